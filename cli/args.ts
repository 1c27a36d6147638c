/**
 * @module cli/args
 * Argument parsing for `teeth <noun> <verb>`: global options, repeated `key=value` options.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

export const GLOBAL_OPTIONS = {
  url: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies NonNullable<ParseArgsConfig["options"]>;

/**
 * Parses `argv` with the verb's options plus the global ones.
 * @example
 * const { values, positionals } = parse(["web-1", "--wait"], { wait: { type: "boolean" } });
 */
export function parse(argv: string[], options: NonNullable<ParseArgsConfig["options"]>) {
  return parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true }) as {
    values: Record<string, any>;
    positionals: string[];
  };
}

/** `["a=1", "b=x"]` -> `{a: 1, b: "x"}` (values that parse as JSON are kept typed). */
export function keyValues(items: string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of items ?? []) {
    const i = item.indexOf("=");
    if (i <= 0) throw new Error(`expected KEY=VALUE, got '${item}'`);
    const raw = item.slice(i + 1);
    let v: unknown = raw;
    try {
      if (/^(-?\d+(\.\d+)?|true|false|null|\{.*\}|\[.*\])$/s.test(raw)) v = JSON.parse(raw);
    } catch {
      v = raw;
    }
    out[item.slice(0, i)] = v;
  }
  return out;
}

/** The single positional argument a verb takes (NODE, PORT...), or a usage error. */
export function one(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new Error(`expected exactly one ${what}`);
  return positionals[0]!;
}

/** At least one positional argument, or a usage error. */
export function some(positionals: string[], what: string): string[] {
  if (!positionals.length) throw new Error(`expected at least one ${what}`);
  return positionals;
}
