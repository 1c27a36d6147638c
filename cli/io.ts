/**
 * @module cli/io
 * What a CLI command gets: the API client, output streams, and the global flags.
 */
import type { ApiClient } from "./client.ts";
import type { SecretSource } from "./secret-input.ts";

export interface CliIo {
  api: ApiClient;
  json: boolean;
  out(s: string): void;
  err: { write(s: string): void; isTTY?: boolean };
  /** Where `KEY=@FILE` / `KEY=-` values are read from. */
  secrets: SecretSource;
}

export type Command = (argv: string[], io: CliIo) => Promise<number>;

/** Prints `value` as JSON or with the human renderer. */
export function emit(io: CliIo, value: unknown, human: () => string): void {
  io.out(io.json ? `${JSON.stringify(value, null, 2)}\n` : human());
}
