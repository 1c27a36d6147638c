/**
 * @module test/architecture/import-rules.test
 * Dependencies run one way: `agent/` -> `hardware-managers/` -> `machine/` -> `common/`,
 * `protocol/`; `agent/` and `conductor/` never import each other; `common/` and `protocol/`
 * import no face. Every import (type-only ones too, since they tie the code just the same) of
 * every `.ts` file is read with a regex, comments removed first, and resolved to its folder.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dir, "../..");
const FOLDERS = ["agent", "conductor", "hardware-managers", "machine", "protocol", "common"] as const;
type Folder = (typeof FOLDERS)[number];

/** Folders each folder must not import. */
export const FORBIDDEN: Record<Folder, readonly Folder[]> = {
  agent: ["conductor"],
  conductor: ["agent"],
  "hardware-managers": ["agent", "conductor"],
  machine: ["agent", "hardware-managers", "conductor"],
  protocol: ["agent", "conductor", "hardware-managers", "machine"],
  common: ["agent", "conductor", "hardware-managers", "machine"],
};

/** Relative import specifiers of a source text: `from "..."`, `import "..."`, `import("...")`. */
export function importsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const found: string[] = [];
  for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g)) found.push(m[1]!);
  return found;
}

const folderOf = (abs: string): string => path.relative(ROOT, abs).split(path.sep)[0]!;

/** Every import that breaks a rule, as "file -> specifier (folder)". */
export function violations(files: ReadonlyArray<{ file: string; source: string }>): string[] {
  const out: string[] = [];
  for (const { file, source } of files) {
    const from = folderOf(file) as Folder;
    const forbidden = FORBIDDEN[from];
    if (!forbidden) continue;
    for (const spec of importsOf(source)) {
      const to = folderOf(path.resolve(path.dirname(file), spec));
      if ((forbidden as readonly string[]).includes(to)) out.push(`${path.relative(ROOT, file)} -> ${spec} (${from} must not import ${to})`);
    }
  }
  return out;
}

const sources = () =>
  FOLDERS.flatMap((folder) =>
    Array.from(new Bun.Glob(`${folder}/**/*.ts`).scanSync({ cwd: ROOT, absolute: true })).map((file) => ({ file, source: readFileSync(file, "utf8") })),
  );

describe("import rules", () => {
  test("the checker sees real imports and flags a bad one", () => {
    const bad = { file: path.join(ROOT, "machine/image/x.ts"), source: 'import type { A } from "../../agent/agent.ts";\n// import { B } from "../../conductor/c.ts";\nexport const y = await import("../../hardware-managers/registry/index.ts");' };
    expect(violations([bad])).toEqual([
      "machine/image/x.ts -> ../../agent/agent.ts (machine must not import agent)",
      "machine/image/x.ts -> ../../hardware-managers/registry/index.ts (machine must not import hardware-managers)",
    ]);
  });

  test("no file imports across the forbidden directions", () => {
    const files = sources();
    expect(files.length).toBeGreaterThan(100);
    expect(violations(files)).toEqual([]);
  });
});
