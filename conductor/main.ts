/**
 * @module conductor/main
 * `teeth conductor`: reads argv/config, starts the control plane. (placeholder)
 */
export async function runConductor(_argv: string[], _env: NodeJS.ProcessEnv): Promise<number> {
  process.stderr.write("teeth conductor: not built yet\n");
  return 1;
}
