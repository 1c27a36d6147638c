/**
 * @module conductor/store
 * The conductor's persistent state: one SQLite file (`<data-dir>/teeth.db`) holding nodes,
 * ports and inventories.
 */
import type { Database } from "bun:sqlite";
import { openDatabase } from "./db.ts";
import { createInventoryStore, type InventoryStore } from "./inventory-store.ts";
import { createNodeStore, type NodeStore } from "./node-store.ts";
import { createPortStore, type PortStore } from "./port-store.ts";

export interface Store {
  db: Database;
  nodes: NodeStore;
  ports: PortStore;
  inventories: InventoryStore;
  /** Runs `fn` in one transaction. */
  tx<T>(fn: () => T): T;
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
  return {
    db,
    nodes,
    ports: createPortStore(db),
    inventories: createInventoryStore(db),
    tx: (fn) => db.transaction(fn)(),
    close: () => {
      nodes.flushHeartbeats();
      db.close();
    },
  };
}

export type { NodeRecord, Dict } from "./node-record.ts";
export type { PortRecord } from "./port-store.ts";
export { isoTime } from "./node-record.ts";
