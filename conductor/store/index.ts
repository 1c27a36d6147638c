/**
 * @module conductor/store
 * The conductor's persistent state: one SQLite file (`<data-dir>/teeth.db`) holding nodes,
 * ports, inventories, node history and VIF attachments.
 */
import type { Database } from "bun:sqlite";
import { BUSY_TIMEOUT_MS, openDatabase } from "./db.ts";
import { createHistoryStore, type HistoryStore } from "./history-store.ts";
import { createInventoryStore, type InventoryStore } from "./inventory-store.ts";
import { createNodeStore, type NodeStore } from "./node-store.ts";
import { createPortStore, type PortStore } from "./port-store.ts";
import { createResourceStores, type ResourceStores } from "./resource-stores.ts";
import { createStoreGuard, type StoreGuard } from "./store-fault.ts";
import { createVifStore, type VifStore } from "./vif-store.ts";

export interface Store extends ResourceStores {
  db: Database;
  nodes: NodeStore;
  ports: PortStore;
  inventories: InventoryStore;
  /** Each node's recorded events (`GET /v1/nodes/{id}/history`). */
  history: HistoryStore;
  /** Tenant VIFs attached to nodes' ports. */
  vifs: VifStore;
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
    ...createResourceStores(db),
    history: createHistoryStore(db),
    vifs: createVifStore(db),
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
