/**
 * @module conductor/cli/main
 * `teeth node ...`, `teeth port ...`: the operators' CLI, a client of the conductor's API.
 * Reads `--url`/`TEETH_URL` (default http://127.0.0.1:6385) and `--token`/`TEETH_TOKEN`.
 */
import { ApiError, createApiClient } from "./client.ts";
import type { Command } from "./io.ts";
import { NODE_COMMANDS } from "./node-commands.ts";
import { PORT_COMMANDS } from "./port-commands.ts";

const NOUNS: Record<string, Record<string, { help: string; run: Command }>> = { node: NODE_COMMANDS, port: PORT_COMMANDS };

function nounHelp(noun: string): string {
  const verbs = NOUNS[noun]!;
  return `Usage: teeth ${noun} <verb> [options]\n\nVerbs:\n${Object.values(verbs)
    .map((v) => `  ${v.help}`)
    .join("\n")}\n\nGlobal options:\n  --url URL      conductor API (default $TEETH_URL or http://127.0.0.1:6385)\n  --token T      bearer token (default $TEETH_TOKEN)\n  --json         machine-readable output\n  -h, --help     this help\n`;
}

/** Pulls the global options out wherever they appear. */
function globals(argv: string[]): { url?: string; token?: string; json: boolean; help: boolean; rest: string[] } {
  const rest: string[] = [];
  const g: { url?: string; token?: string; json: boolean; help: boolean } = { json: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--json") g.json = true;
    else if (a === "-h" || a === "--help") g.help = true;
    else if (a === "--url" || a === "--token") g[a.slice(2) as "url" | "token"] = argv[++i];
    else if (a.startsWith("--url=") || a.startsWith("--token=")) g[a.slice(2, a.indexOf("=")) as "url" | "token"] = a.slice(a.indexOf("=") + 1);
    else rest.push(a);
  }
  return { ...g, rest };
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
  const api = createApiClient({ url: g.url ?? env.TEETH_URL ?? "http://127.0.0.1:6385", token: g.token ?? env.TEETH_TOKEN });
  try {
    return await cmd.run(rest, {
      api,
      json: g.json,
      out: (s) => process.stdout.write(s),
      err: process.stderr,
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
