/**
 * @module conductor/orchestration/poller
 * While an agent step runs, polls its status every `agent.poll_interval_s` (Ironic waits for
 * heartbeats; polling gives the CLI live progress and ends steps promptly). One timer per node.
 */
import type { Logger } from "../../common/logger.ts";
import type { NodeLocks } from "./node-locks.ts";

export interface Poller {
  schedule(uuid: string): void;
  stop(): void;
  readonly size: number;
}

/**
 * @example
 * const poller = createPoller({ intervalMs: 2000, locks, log, poll: (uuid) => processAgentSteps(ctx, uuid) });
 */
export function createPoller(options: {
  intervalMs: number;
  locks: NodeLocks;
  log: Logger;
  poll: (uuid: string) => Promise<unknown>;
  track: (p: Promise<unknown>) => void;
}): Poller {
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  let stopped = false;
  const schedule = (uuid: string) => {
    if (stopped || timers.has(uuid)) return;
    timers.set(
      uuid,
      setTimeout(() => {
        timers.delete(uuid);
        const release = options.locks.tryLock(uuid, "poll");
        if (!release) return schedule(uuid);
        const p = options
          .poll(uuid)
          .catch((e) => options.log.warn({ node: uuid, err: e }, "poll failed"))
          .finally(release);
        options.track(p);
      }, options.intervalMs),
    );
  };
  return {
    schedule,
    stop() {
      stopped = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
    get size() {
      return timers.size;
    },
  };
}
