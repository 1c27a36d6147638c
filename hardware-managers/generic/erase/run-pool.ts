/**
 * @module hardware-managers/generic/erase/run-pool
 * Runs tasks with at most `limit` in flight. A task's failure is its own: the others go on.
 */

/**
 * Resolves with each task's result in input order; `task` must not throw (wrap it if it can).
 * @example
 * const results = await runPool(disks, 2, (disk) => eraseOne(disk));
 */
export async function runPool<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
