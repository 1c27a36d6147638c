#!/usr/bin/env bun
/**
 * @module main
 * `teeth`: one binary, three faces. `teeth agent` (in the RAM disk), `teeth conductor`
 * (the control plane), `teeth <noun> <verb>` (the operators' CLI). Only this file and the
 * per-face `main` modules read argv and the environment.
 */
import { TEETH_VERSION } from "./common/version.ts";

const HELP = `teeth ${TEETH_VERSION}: bare-metal provisioning

Usage:
  teeth agent [--ipa-api-url=URL] [--ipa-...=VALUE] [--teeth-...=VALUE]
                                 run the in-ramdisk agent (parameters also read from /proc/cmdline)
  teeth conductor [--config FILE] [--data-dir DIR] [--listen HOST:PORT]
                                 run the control plane (Ironic-compatible API on :6385)
  teeth node <verb> ...          manage nodes through a conductor (teeth node --help)
  teeth port <verb> ...          manage ports through a conductor

Options:
  -h, --help                     show this help
  -V, --version                  print the version

Run 'teeth <command> --help' for a command's options.
`;

async function main(argv: string[]): Promise<number> {
  const [face, ...rest] = argv;
  switch (face) {
    case undefined:
    case "-h":
    case "--help":
    case "help":
      process.stdout.write(HELP);
      return face === undefined ? 2 : 0;
    case "-V":
    case "--version":
    case "version":
      process.stdout.write(`teeth ${TEETH_VERSION}\n`);
      return 0;
    case "agent": {
      const { runAgent } = await import("./agent/main.ts");
      return runAgent(rest, process.env);
    }
    case "conductor": {
      const { runConductor } = await import("./conductor/main.ts");
      return runConductor(rest, process.env);
    }
    default: {
      const { runCli } = await import("./cli/main.ts");
      return runCli(argv, process.env);
    }
  }
}

const code = await main(process.argv.slice(2));
if (code !== -1) process.exit(code);
