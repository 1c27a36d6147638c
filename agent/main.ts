/** @module agent/main `teeth agent` (placeholder until the agent lands). */
export async function runAgent(_argv: string[], _env: NodeJS.ProcessEnv): Promise<number> {
  return 1;
}
