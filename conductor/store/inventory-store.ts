/**
 * @module conductor/store/inventory-store
 * The hardware inventory each node's agent reported during inspection.
 */
import type { Database } from "bun:sqlite";

export interface InventoryStore {
  save(nodeUuid: string, inventory: unknown, pluginData?: unknown): void;
  get(nodeUuid: string): { inventory: unknown; plugin_data: unknown } | null;
}

/**
 * Creates the inventory store.
 * @example
 * createInventoryStore(db).get(node.uuid)?.inventory;
 */
export function createInventoryStore(db: Database): InventoryStore {
  const upsert = db.query(
    "INSERT INTO inventories (node_uuid, inventory, plugin_data, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(node_uuid) DO UPDATE SET inventory = excluded.inventory, plugin_data = excluded.plugin_data, created_at = excluded.created_at",
  );
  const sel = db.query<{ inventory: string; plugin_data: string }, [string]>(
    "SELECT inventory, plugin_data FROM inventories WHERE node_uuid = ?",
  );
  return {
    save(uuid, inventory, pluginData = {}) {
      upsert.run(uuid, JSON.stringify(inventory), JSON.stringify(pluginData ?? {}), Date.now());
    },
    get(uuid) {
      const r = sel.get(uuid);
      return r ? { inventory: JSON.parse(r.inventory), plugin_data: JSON.parse(r.plugin_data) } : null;
    },
  };
}
