/**
 * Store faults, met with real SQLite: a write against a file another connection holds with
 * `BEGIN EXCLUSIVE` and a write past `max_page_count` (SQLite's own "database or disk is
 * full") become the catalogued 503 with a retry time; a lock opens the breaker (writes stop
 * waiting) for a while; other errors are left alone. The heartbeat buffer survives a flush
 * or a write the store refused.
 */
import { Database } from "bun:sqlite";
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStore, type Store } from "./index.ts";
import type { NodeRecord } from "./node-record.ts";
import { BUSY_TIMEOUT_MS } from "./db.ts";
import { createStoreGuard, isStoreFault } from "./store-fault.ts";

const dirs: string[] = [];
const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function fileStore(): { store: Store; path: string } {
  const dir = mkdtempSync(join(tmpdir(), "teeth-sf-unit-"));
  dirs.push(dir);
  const path = join(dir, "teeth.db");
  const store = createStore(path);
  open.push({ close: () => { try { store.close(); } catch {} } });
  return { store, path };
}

/** Another connection (as another process would) holding the write lock. */
function holdLock(path: string) {
  const other = new Database(path);
  other.run("BEGIN EXCLUSIVE");
  return { release: () => (other.run("ROLLBACK"), other.close()) };
}

function node(uuid: string): NodeRecord {
  return {
    uuid, name: null, driver: "fake-hardware", provision_state: "manageable", target_provision_state: null,
    power_state: null, target_power_state: null, maintenance: false, maintenance_reason: null, fault: null, last_error: null,
    instance_uuid: null, driver_info: {}, driver_internal_info: {}, properties: {}, instance_info: {}, extra: {}, attrs: {},
    clean_step: null, deploy_step: null, agent_url: null, agent_token: "t".repeat(43), agent_verify_ca: null, agent_version: null,
    agent_last_heartbeat: null, provision_updated_at: null, inspection_started_at: null, inspection_finished_at: null, created_at: 1, updated_at: null,
  };
}

const UUID = "11111111-2222-3333-4444-555555555555";
const busyTimeout = (db: Database) => db.query<{ timeout: number }, []>("PRAGMA busy_timeout").get()!.timeout;
const stored = (path: string) => {
  const db = new Database(path, { readonly: true });
  try {
    return db.query<{ agent_last_heartbeat: number | null; extra: string }, [string]>("SELECT agent_last_heartbeat, extra FROM nodes WHERE uuid = ?").get(UUID)!;
  } finally {
    db.close();
  }
};

test("a write on a database locked by another connection becomes STORE_UNAVAILABLE (503, retry in 1 s) and opens the breaker", async () => {
  const { store, path } = fileStore();
  store.nodes.insert(node(UUID));
  const lock = holdLock(path);
  let err: unknown;
  try {
    store.nodes.update(UUID, { extra: { a: 1 } });
  } catch (e) {
    err = e;
  }
  expect((err as { code: string }).code).toBe("SQLITE_BUSY");
  expect(isStoreFault(err)).toBe(true);
  const guard = createStoreGuard(store.db, { busyTimeoutMs: BUSY_TIMEOUT_MS, openMs: 50 });
  open.push(guard);
  expect(busyTimeout(store.db)).toBe(BUSY_TIMEOUT_MS);
  const e = guard.unavailable(err)!;
  expect({ code: e.code, status: e.status, details: e.details }).toEqual({
    code: "STORE_UNAVAILABLE", status: 503, details: { reason: "it is locked by another process", code: "SQLITE_BUSY", retry_after: 1 },
  });
  expect(e.message).toContain("locked by another process");
  expect(e.cause).toBe(err);
  // while open, writes do not wait for the lock (bun:sqlite would block the event loop)
  expect(guard.open).toBe(true);
  expect(busyTimeout(store.db)).toBe(0);
  lock.release();
  await Bun.sleep(120);
  expect(guard.open).toBe(false);
  expect(busyTimeout(store.db)).toBe(BUSY_TIMEOUT_MS);
  // reads never needed the lock, and the refused write was not made
  expect(store.nodes.get(UUID)!.extra).toEqual({});
});

test("a write past the file's size limit (SQLite's 'database or disk is full') becomes STORE_UNAVAILABLE with the reason", () => {
  const { store } = fileStore();
  store.nodes.insert(node(UUID));
  const pages = store.db.query<{ page_count: number }, []>("PRAGMA page_count").get()!.page_count;
  store.db.run(`PRAGMA max_page_count = ${pages}`);
  let err: unknown;
  try {
    store.nodes.update(UUID, { extra: { blob: "x".repeat(256 * 1024) } });
  } catch (e) {
    err = e;
  }
  expect((err as { code: string }).code).toBe("SQLITE_FULL");
  const e = store.guard.unavailable(err)!;
  expect({ status: e.status, reason: (e.details as { reason: string }).reason, retry: (e.details as { retry_after: number }).retry_after }).toEqual({
    status: 503, reason: "the data directory is full", retry: 10,
  });
  expect(store.guard.open).toBe(false); // a full disk is not a lock: waiting would not help
});

test("errors that are not store faults are left alone", () => {
  const { store } = fileStore();
  store.nodes.insert(node(UUID));
  let constraint: unknown;
  try {
    store.db.run("INSERT INTO nodes (uuid, driver, provision_state) VALUES (?, 'x', 'enroll')", [UUID]);
  } catch (e) {
    constraint = e;
  }
  expect((constraint as { code: string }).code).toStartWith("SQLITE_CONSTRAINT");
  expect(store.guard.unavailable(constraint)).toBeNull();
  expect(store.guard.unavailable(new Error("boom"))).toBeNull();
  expect(store.guard.unavailable(null)).toBeNull();
  expect(isStoreFault(new TypeError("x"))).toBe(false);
});

test("a heartbeat flush the store refuses keeps the buffer (reads still see it) and writes it on the next flush", () => {
  const { store, path } = fileStore();
  store.nodes.insert(node(UUID));
  const beat = (at: number) => store.nodes.recordHeartbeat(store.nodes.heartbeatTarget(UUID)!, { url: "https://10.0.0.5:9999", version: "1", verifyCa: null, at });
  beat(1000); // new agent: written at once
  beat(2000); // unchanged agent: buffered
  const lock = holdLock(path);
  expect(() => store.nodes.flushHeartbeats()).toThrow("database is locked");
  expect(store.nodes.get(UUID)!.agent_last_heartbeat).toBe(2000);
  beat(3000);
  // a write the store refused does not drop the buffered beat either
  expect(() => store.nodes.update(UUID, { agent_last_heartbeat: 2500 })).toThrow("database is locked");
  expect(store.nodes.get(UUID)!.agent_last_heartbeat).toBe(3000);
  lock.release();
  expect(stored(path).agent_last_heartbeat).toBe(1000);
  store.nodes.flushHeartbeats();
  expect(stored(path).agent_last_heartbeat).toBe(3000);
});
