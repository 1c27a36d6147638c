/**
 * @module conductor/store
 * The conductor's persistent state: one SQLite file (`<data-dir>/teeth.db`) holding nodes,
 * ports and inventories.
 */
import type { Database } from "bun:sqlite";
import { BUSY_TIMEOUT_MS, openDatabase } from "./db.ts";
import { createInventoryStore, type InventoryStore } from "./inventory-store.ts";
import { createNodeStore, type NodeStore } from "./node-store.ts";
import { createPortStore, type PortStore } from "./port-store.ts";
import { createStoreGuard, type StoreGuard } from "./store-fault.ts";

export interface Store {
  db: Database;
  nodes: NodeStore;
  ports: PortStore;
  inventories: InventoryStore;
  /** Turns a locked, full or failing database into the catalogued 503. */
  guard: StoreGuard;
  /** Runs `fn` in one transaction. */
  tx<T>(fn: () => T): T;
  /** Writes buffered heartbeats and closes; the file is closed even when that write fails (which is thrown). */
  close(): void;
}

/**
 * Opens the store at `path` (`:memory:` for tests).
 * @example
 * const store = createStore(join(config.data_dir, "teeth.db"));
 */
export function createStore(path: string): Store {
  const db = openDatabase(path);
  const nodes = createNodeStore(db);
  const guard = createStoreGuard(db, { busyTimeoutMs: BUSY_TIMEOUT_MS });
  return {
    db,
    nodes,
    ports: createPortStore(db),
    inventories: createInventoryStore(db),
    guard,
    tx: (fn) => db.transaction(fn)(),
    close: () => {
      guard.close();
      try {
        nodes.flushHeartbeats();
      } finally {
        db.close();
      }
    },
  };
}
