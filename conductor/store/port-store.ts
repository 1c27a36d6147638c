/**
 * @module conductor/store/port-store
 * Ports (a node's MAC addresses) in SQLite; MACs are unique, lowercase.
 */
import type { Database } from "bun:sqlite";
import { conductorError } from "../errors.ts";
import { afterMarker, orderBy, type SortDir } from "./keyset-page.ts";

export interface PortRecord {
  uuid: string;
  address: string;
  node_uuid: string;
  pxe_enabled: boolean;
  extra: Record<string, unknown>;
  local_link_connection: Record<string, unknown>;
  physical_network: string | null;
  name: string | null;
  /** The portgroup (bond) the port belongs to, if any. */
  portgroup_uuid?: string | null;
  created_at: number;
  updated_at: number | null;
}

type PortRow = Record<string, string | number | null>;

/** Columns a port list may be sorted by (Ironic refuses only the dict fields). */
export const PORT_SORT_KEYS = ["created_at", "updated_at", "uuid", "address", "name", "node_uuid", "physical_network", "pxe_enabled"] as const;

export interface ListPortsQuery {
  node_uuid?: string;
  address?: string;
  portgroup_uuid?: string;
  limit?: number;
  /** UUID of the last port of the previous page. */
  marker?: string;
  sort_key?: (typeof PORT_SORT_KEYS)[number];
  sort_dir?: SortDir;
}

function fromRow(r: PortRow): PortRecord {
  return {
    ...(r as unknown as PortRecord),
    pxe_enabled: r.pxe_enabled === 1,
    extra: JSON.parse(String(r.extra)),
    local_link_connection: JSON.parse(String(r.local_link_connection)),
  };
}

export interface PortStore {
  insert(port: PortRecord): void;
  get(uuid: string): PortRecord | null;
  byAddress(mac: string): PortRecord | null;
  /** Node UUIDs owning any of these MACs. */
  nodesForAddresses(macs: readonly string[]): string[];
  list(query?: ListPortsQuery): PortRecord[];
  update(uuid: string, fields: Partial<PortRecord>): PortRecord;
  delete(uuid: string): boolean;
}

/**
 * Creates the port store.
 * @example
 * createPortStore(db).byAddress("52:54:00:12:34:56");
 */
export function createPortStore(db: Database): PortStore {
  const byUuid = db.query<PortRow, [string]>("SELECT * FROM ports WHERE uuid = ?");
  const byMac = db.query<PortRow, [string]>("SELECT * FROM ports WHERE address = ?");

  function mapUnique(e: unknown, mac: string): never {
    const msg = String((e as Error).message);
    if (msg.includes("ports.address")) throw conductorError("MAC_ALREADY_EXISTS", { mac });
    if (msg.includes("ports.uuid")) throw conductorError("DUPLICATE_UUID", { uuid: "" });
    if (msg.includes("FOREIGN KEY")) throw conductorError("INVALID_PARAMETER", { reason: "The port's node does not exist." });
    throw e;
  }

  return {
    insert(p) {
      try {
        db.query(
          "INSERT INTO ports (uuid, address, node_uuid, pxe_enabled, extra, local_link_connection, physical_network, name, created_at, updated_at, portgroup_uuid) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        ).run(p.uuid, p.address, p.node_uuid, p.pxe_enabled ? 1 : 0, JSON.stringify(p.extra), JSON.stringify(p.local_link_connection), p.physical_network, p.name, p.created_at, p.updated_at, p.portgroup_uuid ?? null);
      } catch (e) {
        mapUnique(e, p.address);
      }
    },
    get(uuid) {
      const r = byUuid.get(uuid);
      return r ? fromRow(r) : null;
    },
    byAddress(mac) {
      const r = byMac.get(mac);
      return r ? fromRow(r) : null;
    },
    nodesForAddresses(macs) {
      if (!macs.length) return [];
      const rows = db
        .query<{ node_uuid: string }, string[]>(`SELECT DISTINCT node_uuid FROM ports WHERE address IN (${macs.map(() => "?").join(",")})`)
        .all(...macs);
      return rows.map((r) => r.node_uuid);
    },
    list(q = {}) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      if (q.node_uuid) (where.push("node_uuid = ?"), args.push(q.node_uuid));
      if (q.address) (where.push("address = ?"), args.push(q.address));
      if (q.portgroup_uuid) (where.push("portgroup_uuid = ?"), args.push(q.portgroup_uuid));
      const key = q.sort_key ?? "created_at";
      const dir = q.sort_dir ?? "asc";
      if (q.marker) {
        const m = byUuid.get(q.marker);
        if (!m) throw conductorError("INVALID_PARAMETER", { reason: `Marker ${q.marker} could not be found.` });
        const after = afterMarker(key, dir, m[key] ?? null, String(m.uuid));
        where.push(after.sql);
        args.push(...after.args);
      }
      let sql = "SELECT * FROM ports";
      if (where.length) sql += ` WHERE ${where.join(" AND ")}`;
      sql += ` ${orderBy(key, dir)}`;
      if (q.limit) (sql += " LIMIT ?"), args.push(q.limit);
      return db.query<PortRow, (string | number)[]>(sql).all(...args).map(fromRow);
    },
    update(uuid, f) {
      const cur = byUuid.get(uuid);
      if (!cur) throw conductorError("PORT_NOT_FOUND", { port: uuid });
      const next = { ...fromRow(cur), ...f, updated_at: Date.now() };
      try {
        db.query(
          "UPDATE ports SET address = ?, node_uuid = ?, pxe_enabled = ?, extra = ?, local_link_connection = ?, physical_network = ?, name = ?, updated_at = ?, portgroup_uuid = ? WHERE uuid = ?",
        ).run(next.address, next.node_uuid, next.pxe_enabled ? 1 : 0, JSON.stringify(next.extra), JSON.stringify(next.local_link_connection), next.physical_network, next.name, next.updated_at, next.portgroup_uuid ?? null, uuid);
      } catch (e) {
        mapUnique(e, next.address);
      }
      return next;
    },
    delete(uuid) {
      return db.query("DELETE FROM ports WHERE uuid = ?").run(uuid).changes > 0;
    },
  };
}
