/**
 * @module conductor/store/vif-store
 * Tenant VIFs attached to a node, each bound to one of its ports (what Ironic keeps as the
 * port's `internal_info.tenant_vif_port_id`). Teeth has no network service: an attachment is
 * a record, nothing is plugged.
 */
import type { Database } from "bun:sqlite";

export interface VifAttachment {
  node_uuid: string;
  vif_id: string;
  port_uuid: string | null;
  created_at: number;
}

export interface VifStore {
  list(nodeUuid: string): VifAttachment[];
  /** The port's VIF, if one is attached to it. */
  forPort(portUuid: string): VifAttachment | null;
  attach(a: Omit<VifAttachment, "created_at">): VifAttachment;
  /** True when the VIF was attached. */
  detach(nodeUuid: string, vifId: string): boolean;
}

/**
 * Creates the VIF store.
 * @example
 * createVifStore(db).attach({ node_uuid, vif_id: "net-1", port_uuid: port.uuid });
 */
export function createVifStore(db: Database): VifStore {
  const all = db.query<VifAttachment, [string]>("SELECT * FROM node_vifs WHERE node_uuid = ? ORDER BY created_at, vif_id");
  const byPort = db.query<VifAttachment, [string]>("SELECT * FROM node_vifs WHERE port_uuid = ?");
  const ins = db.query("INSERT INTO node_vifs (node_uuid, vif_id, port_uuid, created_at) VALUES (?, ?, ?, ?)");
  const del = db.query("DELETE FROM node_vifs WHERE node_uuid = ? AND vif_id = ?");
  return {
    list: (n) => all.all(n),
    forPort: (p) => byPort.get(p) ?? null,
    attach(a) {
      const row = { ...a, created_at: Date.now() };
      ins.run(row.node_uuid, row.vif_id, row.port_uuid, row.created_at);
      return row;
    },
    detach: (n, v) => del.run(n, v).changes > 0,
  };
}
