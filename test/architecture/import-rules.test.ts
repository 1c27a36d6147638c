/**
 * @module test/architecture/import-rules.test
 * Dependencies run one way: `agent/` -> `hardware-managers/` -> `machine/` -> `common/`,
 * `protocol/`; `agent/`, `conductor/` and `cli/` never import each other, and the CLI, a
 * client of the API, imports only `protocol/` and `common/`; `common/` and `protocol/` import
 * no face. Inside the conductor, the API is the top room: orchestration, the state machine,
 * drivers, network boot, views and the store never import it, and the store imports nothing
 * above it.
 * Every import (type-only ones too, since they tie the code just the same) of every `.ts`
 * file is read with a regex, comments removed first, and resolved to its path.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dir, "../..");
const FOLDERS = ["agent", "conductor", "cli", "hardware-managers", "machine", "protocol", "common"] as const;

/** A room either names what it must not import, or the only places it may import. */
export type Rule = { forbid: readonly string[] } | { only: readonly string[] };

/**
 * Rules by room (a folder or file path from the repository root). A file obeys the rule of
 * every room it lies in, so `conductor/store/x.ts` obeys `conductor`'s and `conductor/store`'s.
 */
export const RULES: Readonly<Record<string, Rule>> = {
  agent: { forbid: ["conductor", "cli"] },
  conductor: { forbid: ["agent", "cli"] },
  cli: { only: ["cli", "protocol", "common"] },
  "hardware-managers": { forbid: ["agent", "conductor", "cli"] },
  machine: { forbid: ["agent", "hardware-managers", "conductor", "cli"] },
  protocol: { forbid: ["agent", "conductor", "cli", "hardware-managers", "machine"] },
  common: { forbid: ["agent", "conductor", "cli", "hardware-managers", "machine"] },
  "conductor/orchestration": { forbid: ["conductor/api"] },
  "conductor/state-machine": { forbid: ["conductor/api", "conductor/orchestration"] },
  "conductor/drivers": { forbid: ["conductor/api", "conductor/orchestration"] },
  "conductor/views": { forbid: ["conductor/api", "conductor/orchestration"] },
  "conductor/boot": { forbid: ["conductor/api", "conductor/orchestration"] },
  "conductor/store": { only: ["conductor/store", "conductor/errors.ts", "common", "protocol"] },
};

/** Relative import specifiers of a source text: `from "..."`, `import "..."`, `import("...")`. */
export function importsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const found: string[] = [];
  for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g)) found.push(m[1]!);
  return found;
}

/** Whether the repository path `rel` lies in `room` (the room itself or below it). */
const within = (rel: string, room: string): boolean => rel === room || rel.startsWith(`${room}/`);

/** Every import that breaks a rule, as "file -> specifier (reason)". */
export function violations(files: ReadonlyArray<{ file: string; source: string }>): string[] {
  const out: string[] = [];
  for (const { file, source } of files) {
    const from = path.relative(ROOT, file).split(path.sep).join("/");
    const rooms = Object.keys(RULES).filter((room) => within(from, room));
    for (const spec of importsOf(source)) {
      const to = path.relative(ROOT, path.resolve(path.dirname(file), spec)).split(path.sep).join("/");
      for (const room of rooms) {
        const rule = RULES[room]!;
        if ("forbid" in rule) {
          const hit = rule.forbid.find((f) => within(to, f));
          if (hit) out.push(`${from} -> ${spec} (${room} must not import ${hit})`);
        } else if (!rule.only.some((f) => within(to, f))) {
          out.push(`${from} -> ${spec} (${room} may import only ${rule.only.join(", ")})`);
        }
      }
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

  test("inside the conductor, rooms below the API do not import it, and the store imports nothing above it", () => {
    const files = [
      { file: path.join(ROOT, "conductor/orchestration/x.ts"), source: 'import { nodeView } from "../api/node-view.ts";\nimport { S } from "../state-machine/states.ts";' },
      { file: path.join(ROOT, "conductor/drivers/ipmi/x.ts"), source: 'import type { ConductorContext } from "../../orchestration/context.ts";' },
      { file: path.join(ROOT, "conductor/store/x.ts"), source: 'import { S } from "../state-machine/states.ts";\nimport { conductorError } from "../errors.ts";' },
    ];
    expect(violations(files)).toEqual([
      "conductor/orchestration/x.ts -> ../api/node-view.ts (conductor/orchestration must not import conductor/api)",
      "conductor/drivers/ipmi/x.ts -> ../../orchestration/context.ts (conductor/drivers must not import conductor/orchestration)",
      "conductor/store/x.ts -> ../state-machine/states.ts (conductor/store may import only conductor/store, conductor/errors.ts, common, protocol)",
    ]);
  });

  test("the CLI imports only protocol/ and common/", () => {
    const cli = { file: path.join(ROOT, "cli/x.ts"), source: 'import { a } from "../protocol/ironic-api.ts";\nimport { b } from "../conductor/drivers/driver-contract.ts";\nimport { c } from "./io.ts";' };
    expect(violations([cli])).toEqual([
      "cli/x.ts -> ../conductor/drivers/driver-contract.ts (cli may import only cli, protocol, common)",
    ]);
  });

  test("no file imports across the forbidden directions", () => {
    const files = sources();
    expect(files.length).toBeGreaterThan(100);
    expect(violations(files)).toEqual([]);
  });
});
