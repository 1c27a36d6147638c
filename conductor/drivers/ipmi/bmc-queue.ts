/**
 * @module conductor/drivers/ipmi/bmc-queue
 * One line per BMC: commands to the same address:port run one at a time, at least
 * `minIntervalMs` after the previous one ended (Ironic's `min_command_interval`: small BMCs
 * drop sessions when hammered). Different BMCs never wait for each other.
 */

export interface BmcQueue {
  /** Runs `task` when the BMC `key` is free and rested; resolves or rejects with its result. */
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
}

/**
 * @example
 * const queue = createBmcQueue(1000);
 * await queue.run("10.0.0.5:623", () => exec("ipmitool", args));
 */
export function createBmcQueue(minIntervalMs: number): BmcQueue {
  const tails = new Map<string, Promise<unknown>>();
  const lastEnd = new Map<string, number>();
  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      const mine = previous.then(async () => {
        const wait = (lastEnd.get(key) ?? 0) + minIntervalMs - Date.now();
        if (wait > 0) await Bun.sleep(wait);
        try {
          return await task();
        } finally {
          lastEnd.set(key, Date.now());
        }
      });
      const tail = mine.catch(() => undefined);
      tails.set(key, tail);
      // Forget an idle BMC so the maps do not grow with every address ever seen.
      void tail.then(() => {
        if (tails.get(key) === tail) {
          tails.delete(key);
          setTimeout(() => tails.has(key) || lastEnd.delete(key), minIntervalMs + 1000).unref?.();
        }
      });
      return mine;
    },
  };
}
