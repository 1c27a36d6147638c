/**
 * @module agent/config/parse-sources
 * Splits the kernel command line and argv into `name=value` pairs. Pure functions.
 */
import { parseBooleanString } from "../../common/boolean-string.ts";

/** A raw parameter and where it came from (for error messages). */
export interface RawParameter {
  name: string;
  value: string;
  source: "cmdline" | "flag";
}

/**
 * Splits `/proc/cmdline` the way the kernel does: whitespace-separated, double quotes group.
 * A bare word (`quiet`) has the value "1", as a flag would.
 * @example parseCmdline('ro ipa-api-url="http://x:6385" BOOTIF=01-52-54-00-12-34-56')
 */
export function parseCmdline(text: string): RawParameter[] {
  const out: RawParameter[] = [];
  const tokens = text.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
  for (const token of tokens) {
    const unquoted = token.replace(/"/g, "");
    const eq = unquoted.indexOf("=");
    if (eq === 0) continue;
    if (eq < 0) out.push({ name: unquoted, value: "1", source: "cmdline" });
    else out.push({ name: unquoted.slice(0, eq), value: unquoted.slice(eq + 1), source: "cmdline" });
  }
  return out;
}

export interface ParsedFlags {
  params: RawParameter[];
  help: boolean;
  /** Arguments that are not `--name[=value]` flags. */
  errors: string[];
}

/**
 * Parses `--name=value`, `--name value` and boolean flags: `--name` alone means true, and a
 * boolean word after it (`--ipa-debug 0`) is its value. Whether a name is boolean comes from
 * its kind in the parameter table (`isBoolean`), never from its default.
 * @example parseFlags(["--ipa-api-url", "http://127.0.0.1:6385", "--ipa-debug"], isBooleanParameter)
 */
export function parseFlags(argv: readonly string[], isBoolean: (name: string) => boolean): ParsedFlags {
  const params: RawParameter[] = [];
  const errors: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h" || arg === "--help") {
      help = true;
      continue;
    }
    if (!arg.startsWith("--") || arg === "--") {
      errors.push(`unexpected argument '${arg}' (parameters are --name=value)`);
      continue;
    }
    const body = arg.slice(2);
    const eq = body.indexOf("=");
    if (eq > 0) {
      params.push({ name: body.slice(0, eq), value: body.slice(eq + 1), source: "flag" });
      continue;
    }
    const next = argv[i + 1];
    const takesNext = next !== undefined && !next.startsWith("--") && (!isBoolean(body) || parseBooleanString(next) !== undefined);
    if (takesNext) {
      params.push({ name: body, value: next, source: "flag" });
      i++;
    } else {
      params.push({ name: body, value: "1", source: "flag" });
    }
  }
  return { params, help, errors };
}
