/**
 * @module conductor/orchestration/resilient-loop
 * A periodic task that outlives its own failures (a locked or full store, a peer that is
 * down): a throw or rejection is logged, the next run waits longer after each consecutive
 * failure (interval × 2ⁿ, capped), and the first success brings the interval back and logs
 * the recovery. Runs never overlap. What the task has not done stays with the task (the
 * heartbeat buffer keeps its entries until a flush succeeds), so retrying is just running
 * it again. The heartbeat flush, the timeout sweep and recovery at start run on it.
 */
import type { Logger } from "../../common/logger.ts";

export interface ResilientLoopOptions {
  /** Names the loop in logs, e.g. "heartbeat flush". */
  name: string;
  intervalMs: number;
  run: () => unknown;
  log: Logger;
  /** Longest wait after repeated failures; default 30 s, never below `intervalMs`. */
  maxBackoffMs?: number;
  /** Wait before the first run; default `intervalMs`. */
  firstDelayMs?: number;
  /** Ends the loop after its first successful run: a one-off that must happen eventually. */
  once?: boolean;
}

export interface ResilientLoop {
  start(): void;
  /** Stops scheduling and waits for a run in progress. */
  stop(): Promise<void>;
  /** Consecutive failures so far; 0 after a success. */
  readonly failures: number;
  /** True until stopped (or, with `once`, until the run succeeded). */
  readonly running: boolean;
}

/** The wait after `failures` consecutive failures. */
export function backoffMs(intervalMs: number, failures: number, maxBackoffMs: number): number {
  return Math.min(intervalMs * 2 ** failures, Math.max(maxBackoffMs, intervalMs));
}

/**
 * @example
 * const flush = createResilientLoop({ name: "heartbeat flush", intervalMs: 1000, maxBackoffMs: 5000, log,
 *   run: () => store.nodes.flushHeartbeats() });
 * flush.start(); // ... await flush.stop();
 */
export function createResilientLoop(options: ResilientLoopOptions): ResilientLoop {
  const max = options.maxBackoffMs ?? 30_000;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let current: Promise<void> | null = null;
  let active = false;
  let failures = 0;

  const schedule = (ms: number) => {
    if (active) timer = setTimeout(tick, ms);
  };
  const tick = () => {
    timer = null;
    current = (async () => {
      try {
        await options.run();
      } catch (e) {
        failures++;
        const retryInMs = backoffMs(options.intervalMs, failures, max);
        const line = { loop: options.name, failures, retry_in_ms: retryInMs, err: e, code: (e as { code?: unknown })?.code };
        if (failures === 1) options.log.error(line, `${options.name} failed; retrying`);
        else options.log.warn(line, `${options.name} failed again; retrying`);
        schedule(retryInMs);
        return;
      }
      if (failures) options.log.info({ loop: options.name, failures }, `${options.name} works again`);
      failures = 0;
      if (options.once) active = false;
      else schedule(options.intervalMs);
    })().finally(() => {
      current = null;
    });
  };

  return {
    start() {
      if (active) return;
      active = true;
      schedule(options.firstDelayMs ?? options.intervalMs);
    },
    async stop() {
      active = false;
      if (timer) clearTimeout(timer);
      timer = null;
      await current;
    },
    get failures() {
      return failures;
    },
    get running() {
      return active;
    },
  };
}
