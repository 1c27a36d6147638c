/**
 * @module conductor/cli/main
 * `teeth node ...`, `teeth port ...`: the operators' CLI. (placeholder)
 */
export async function runCli(argv: string[], _env: NodeJS.ProcessEnv): Promise<number> {
  process.stderr.write(`teeth: unknown command '${argv[0]}'. Run 'teeth --help'.\n`);
  return 2;
}
