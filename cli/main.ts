/**
 * @module cli/main
 * `teeth node ...`, `teeth port ...`: the operators' CLI, a client of the conductor's API.
 * Reads `--url`/`TEETH_URL` (default http://127.0.0.1:6385) and the token from `--token-file`,
 * `TEETH_TOKEN` or `--token`, or HTTP basic credentials from `--user`/`TEETH_USER` with
 * `--password-file`/`TEETH_PASSWORD` (secrets stay off the command line: see `secret-input.ts`).
 */
import { ApiError, createApiClient } from "./client.ts";
import type { Command } from "./io.ts";
import { NODE_COMMANDS } from "./node-commands.ts";
import { PORT_COMMANDS } from "./port-commands.ts";
import { POWER_COMMANDS } from "./power-commands.ts";
import { createProcessSecretSource } from "./secret-input.ts";

const NOUNS: Record<string, Record<string, { help: string; run: Command }>> = { node: { ...NODE_COMMANDS, ...POWER_COMMANDS }, port: PORT_COMMANDS };

function nounHelp(noun: string): string {
  const verbs = NOUNS[noun]!;
  return `Usage: teeth ${noun} <verb> [options]\n\nVerbs:\n${Object.values(verbs)
    .map((v) => `  ${v.help}`)
    .join("\n")}\n\nGlobal options:\n  --url URL      conductor API (default $TEETH_URL or http://127.0.0.1:6385)\n  --token-file F bearer token read from file F\n  --token T      bearer token (default $TEETH_TOKEN); prefer $TEETH_TOKEN or --token-file:\n                 the command line is visible to every user of this host (ps)\n  --user U       HTTP basic user (default $TEETH_USER); the password from --password-file F\n                 or $TEETH_PASSWORD (--password P works but is visible in ps)\n  --json         machine-readable output\n  -h, --help     this help\n`;
}

/** Pulls the global options out wherever they appear. */
type Globals = { url?: string; token?: string; "token-file"?: string; user?: string; password?: string; "password-file"?: string; json: boolean; help: boolean };
const VALUED = ["url", "token", "token-file", "user", "password", "password-file"] as const;

function globals(argv: string[]): Globals & { rest: string[] } {
  const rest: string[] = [];
  const g: Globals = { json: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.slice(2, a.includes("=") ? a.indexOf("=") : undefined) as (typeof VALUED)[number];
    if (a === "--json") g.json = true;
    else if (a === "-h" || a === "--help") g.help = true;
    else if (a.startsWith("--") && VALUED.includes(name)) g[name] = a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[++i];
    else rest.push(a);
  }
  return { ...g, rest };
}

/** The bearer token: --token-file, else $TEETH_TOKEN, else --token (with a warning: argv is public). */
async function token(g: Globals, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (g["token-file"]) return (await Bun.file(g["token-file"]).text()).trim();
  if (g.token !== undefined) {
    process.stderr.write("teeth: warning: --token on the command line is visible to other users; use $TEETH_TOKEN or --token-file\n");
    return g.token;
  }
  return env.TEETH_TOKEN || undefined;
}

/** HTTP basic credentials: --user or $TEETH_USER, the password from --password-file, $TEETH_PASSWORD or --password (warned). */
async function basicAuth(g: Globals, env: NodeJS.ProcessEnv): Promise<{ user: string; password: string } | undefined> {
  const user = g.user ?? env.TEETH_USER;
  if (!user) return undefined;
  let password: string | undefined;
  if (g["password-file"]) password = (await Bun.file(g["password-file"]).text()).replace(/\r?\n$/, "");
  else if (g.password !== undefined) {
    process.stderr.write("teeth: warning: --password on the command line is visible to other users; use $TEETH_PASSWORD or --password-file\n");
    password = g.password;
  } else password = env.TEETH_PASSWORD;
  return { user, password: password ?? "" };
}

/**
 * @example
 * process.exit(await runCli(["node", "list"], process.env));
 */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [noun, ...afterNoun] = argv;
  const verbs = noun ? NOUNS[noun] : undefined;
  if (!verbs) {
    process.stderr.write(`teeth: unknown command '${noun}'. Run 'teeth --help'.\n`);
    return 2;
  }
  const g = globals(afterNoun);
  const [verb, ...rest] = g.rest;
  if (!verb || g.help && !verb) {
    process.stdout.write(nounHelp(noun!));
    return verb ? 0 : g.help ? 0 : 2;
  }
  const cmd = verbs[verb];
  if (!cmd) {
    process.stderr.write(`teeth ${noun}: unknown verb '${verb}'.\n\n${nounHelp(noun!)}`);
    return 2;
  }
  if (g.help) {
    process.stdout.write(`Usage: teeth ${noun} ${cmd.help}\n`);
    return 0;
  }
  try {
    const api = createApiClient({ url: g.url ?? env.TEETH_URL ?? "http://127.0.0.1:6385", token: await token(g, env), basic: await basicAuth(g, env) });
    return await cmd.run(rest, {
      api,
      json: g.json,
      out: (s) => process.stdout.write(s),
      err: process.stderr,
      secrets: createProcessSecretSource(),
    });
  } catch (e) {
    if (e instanceof ApiError) {
      process.stderr.write(`teeth: ${e.message}${e.status ? ` (HTTP ${e.status})` : ""}\n`);
      return 1;
    }
    process.stderr.write(`teeth ${noun} ${verb}: ${(e as Error).message}\n`);
    return 2;
  }
}
