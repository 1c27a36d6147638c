/**
 * @module conductor/store/store-fault
 * Recognises a store that cannot answer (SQLite locked by another process, data directory
 * full, I/O error) and turns it into the catalogued 503 `STORE_UNAVAILABLE`, with the seconds
 * a client should wait. A lock also opens a short breaker: bun:sqlite is synchronous, so
 * every write that waits for a lock stops the whole event loop for the busy timeout; for a
 * second after a lock is met, writes do not wait at all (they fail at once while it is held,
 * and succeed at once when it is gone), so reads, health checks and heartbeats keep flowing.
 */
import type { Database } from "bun:sqlite";
import { conductorError, type ConductorError } from "../errors.ts";
import { isTeethError } from "../../common/branded-error.ts";

/** SQLite's primary result codes that mean "not now" rather than "wrong request". */
const FAULTS: readonly { prefix: string; reason: (code: string) => string; retryAfterS: number; lock?: boolean }[] = [
  { prefix: "SQLITE_BUSY", reason: () => "it is locked by another process", retryAfterS: 1, lock: true },
  { prefix: "SQLITE_LOCKED", reason: () => "it is locked by another process", retryAfterS: 1, lock: true },
  { prefix: "SQLITE_FULL", reason: () => "the data directory is full", retryAfterS: 10 },
  { prefix: "SQLITE_IOERR", reason: (c) => `the disk reported an I/O error (${c})`, retryAfterS: 10 },
  { prefix: "SQLITE_READONLY", reason: (c) => `the database file cannot be written (${c})`, retryAfterS: 10 },
  { prefix: "SQLITE_CANTOPEN", reason: (c) => `the database file cannot be opened (${c})`, retryAfterS: 10 },
  { prefix: "SQLITE_PROTOCOL", reason: (c) => `another process holds the database's locks (${c})`, retryAfterS: 1, lock: true },
  { prefix: "SQLITE_NOMEM", reason: (c) => `SQLite ran out of memory (${c})`, retryAfterS: 10 },
];

function faultOf(error: unknown) {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !code.startsWith("SQLITE_")) return null;
  const f = FAULTS.find((x) => code === x.prefix || code.startsWith(`${x.prefix}_`));
  return f ? { ...f, code } : null;
}

/** True when `error` is SQLite saying the store cannot be used right now. */
export function isStoreFault(error: unknown): boolean {
  return faultOf(error) !== null || (isTeethError(error) && error.code === "STORE_UNAVAILABLE");
}

export interface StoreGuard {
  /**
   * The catalogued 503 for a store fault (`details.retry_after` in seconds), or null for
   * any other error. A lock also opens the breaker for `openMs`.
   */
  unavailable(error: unknown): ConductorError | null;
  /** True while writes do not wait for a lock. */
  readonly open: boolean;
  /** Ends the breaker (the usual busy timeout again); call before closing the database. */
  close(): void;
}

/**
 * @example
 * const guard = createStoreGuard(db, { busyTimeoutMs: 250 });
 * app.onError((err) => { const e = guard.unavailable(err); if (e) ...503... });
 */
export function createStoreGuard(db: Database, options: { busyTimeoutMs: number; openMs?: number }): StoreGuard {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  const setBusy = (ms: number) => {
    try {
      db.run(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(ms))}`);
    } catch {
      // a closed or broken connection: nothing to tune
    }
  };
  const trip = () => {
    if (timer || closed) return;
    setBusy(0);
    timer = setTimeout(() => {
      timer = null;
      if (!closed) setBusy(options.busyTimeoutMs);
    }, options.openMs ?? 1000);
    timer.unref?.();
  };
  return {
    unavailable(error) {
      if (isTeethError(error) && error.code === "STORE_UNAVAILABLE") return error as ConductorError;
      const f = faultOf(error);
      if (!f) return null;
      if (f.lock) trip();
      return conductorError("STORE_UNAVAILABLE", { reason: f.reason(f.code), code: f.code, retry_after: f.retryAfterS }, error);
    },
    get open() {
      return timer !== null;
    },
    close() {
      if (timer) {
        clearTimeout(timer);
        setBusy(options.busyTimeoutMs);
      }
      timer = null;
      closed = true;
    },
  };
}
