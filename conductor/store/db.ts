/**
 * @module conductor/store/db
 * Opens the SQLite store (bun:sqlite) in WAL mode and applies migrations.
 */
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { migrate } from "./migrations.ts";

/**
 * How long a statement waits for another process's lock once the conductor serves. Short:
 * bun:sqlite blocks the event loop while it waits, so a long wait freezes every request;
 * a write that cannot get the lock in time answers 503 (see store-fault.ts) instead.
 */
export const BUSY_TIMEOUT_MS = 250;

/**
 * Opens (creating if needed) the database at `path`; `:memory:` for tests.
 * @example
 * const db = openDatabase("/var/lib/teeth/teeth.db");
 */
export function openDatabase(path: string): Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { create: true, strict: true });
  db.run("PRAGMA journal_mode = WAL");
  // NORMAL in WAL mode: a power loss may lose the last commits but never corrupts the file.
  db.run("PRAGMA synchronous = NORMAL");
  db.run("PRAGMA foreign_keys = ON");
  // At start nothing is served yet: migrations may wait longer for a lock.
  db.run("PRAGMA busy_timeout = 5000");
  migrate(db);
  db.run(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  return db;
}

/** `PRAGMA integrity_check` result: "ok" when the file is sound. */
export function integrityCheck(db: Database): string {
  const rows = db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").all();
  return rows.map((r) => r.integrity_check).join("; ");
}
