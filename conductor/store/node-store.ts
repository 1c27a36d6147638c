/**
 * @module conductor/store/node-store
 * Nodes in SQLite. Every write is one statement or one transaction; state changes are
 * compare-and-set on the current state, so two writers can never both move a node.
 */
import type { Database, Statement } from "bun:sqlite";
import { conductorError } from "../errors.ts";
import { afterMarker, orderBy, type SortDir } from "./keyset-page.ts";
import { nodeFilterSql, type NodeFilters } from "./node-filters.ts";
import { nodeFromRow, nodeToColumns, type NodeRecord, type NodeRow } from "./node-record.ts";

/** Columns a node list may be sorted by (Ironic allows any non-dict field; these are columns here). */
export const NODE_SORT_KEYS = [
  "created_at", "updated_at", "uuid", "name", "provision_state", "power_state", "target_provision_state",
  "driver", "instance_uuid", "maintenance", "provision_updated_at", "inspection_started_at", "inspection_finished_at",
] as const;
export type NodeSortKey = (typeof NODE_SORT_KEYS)[number];

export interface ListNodesQuery extends NodeFilters {
  limit?: number;
  /** UUID of the last node of the previous page. */
  marker?: string;
  sort_key?: NodeSortKey;
  sort_dir?: SortDir;
}

/** The columns a heartbeat checks, read without parsing the node's JSON columns. */
export interface HeartbeatTarget {
  uuid: string;
  provision_state: string;
  agent_token: string | null;
  agent_url: string | null;
  agent_verify_ca: string | null;
  agent_version: string | null;
  /** SQLite's 0/1. */
  maintenance: number;
}

export interface NodeStore {
  insert(node: NodeRecord): void;
  get(uuid: string): NodeRecord | null;
  /** By UUID or name. */
  find(ident: string): NodeRecord | null;
  list(query?: ListNodesQuery): NodeRecord[];
  /** Nodes whose provision_state is one of `states`. */
  listInStates(states: readonly string[]): NodeRecord[];
  /** Writes `fields`; when `expectState` is given, only if the node is still in it. Returns the new record. */
  update(uuid: string, fields: Partial<NodeRecord>, expectState?: string): NodeRecord;
  /** Heartbeat fast path: by UUID or name, only the agent columns. */
  heartbeatTarget(ident: string): HeartbeatTarget | null;
  /**
   * Records a heartbeat. A changed agent (URL, version, certificate) is written at once; a
   * heartbeat that only moves `agent_last_heartbeat` is buffered (reads see it) and written
   * with the others by `flushHeartbeats()`, one transaction for many nodes.
   */
  recordHeartbeat(target: HeartbeatTarget, agent: { url: string; version: string | null; verifyCa: string | null; at: number }): void;
  /** Writes buffered heartbeat times; the conductor calls it every second and at stop. */
  flushHeartbeats(): void;
  delete(uuid: string): boolean;
  count(): number;
  /** Nodes per shard (null: no shard), most first: Ironic's `get_shard_list`. */
  shardCounts(): Array<{ shard: string | null; count: number }>;
}

/**
 * Creates the node store over an open database.
 * @example
 * const nodes = createNodeStore(openDatabase(":memory:"));
 * nodes.find("web-1");
 */
export function createNodeStore(db: Database): NodeStore {
  const byUuid = db.query<NodeRow, [string]>("SELECT * FROM nodes WHERE uuid = ?");
  const byName = db.query<NodeRow, [string]>("SELECT * FROM nodes WHERE name = ?");
  const heartbeat = db.query(
    "UPDATE nodes SET agent_url = ?, agent_version = ?, agent_verify_ca = ?, agent_last_heartbeat = ? WHERE uuid = ?",
  );
  const hbCols = "uuid, provision_state, agent_token, agent_url, agent_verify_ca, agent_version, maintenance";
  const hbByUuid = db.query<HeartbeatTarget, [string]>(`SELECT ${hbCols} FROM nodes WHERE uuid = ?`);
  const hbByName = db.query<HeartbeatTarget, [string]>(`SELECT ${hbCols} FROM nodes WHERE name = ?`);
  // Only while the agent is the one that heartbeated: a wiped or replaced agent is not revived.
  const beatTime = db.query("UPDATE nodes SET agent_last_heartbeat = ? WHERE uuid = ? AND agent_url = ?");
  const pending = new Map<string, { url: string; at: number }>();
  // Heartbeat targets by UUID. This store is the only writer of `nodes`, and every write
  // below drops the node's entry, so the cache is never stale.
  const targets = new Map<string, HeartbeatTarget>();
  const flushPending = db.transaction(() => {
    for (const [uuid, p] of pending) beatTime.run(p.at, uuid, p.url);
  });
  const del = db.query("DELETE FROM nodes WHERE uuid = ?");
  const countQ = db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM nodes");
  // Ties in the order of GROUP BY (no shard first, then by name), as Ironic sorts its grouped rows.
  const shardQ = db.query<{ shard: string | null; count: number }, []>(
    "SELECT json_extract(attrs, '$.shard') AS shard, COUNT(*) AS count FROM nodes GROUP BY shard ORDER BY count DESC, shard ASC",
  );
  const updateCache = new Map<string, Statement>();

  /** Row -> record, with a buffered heartbeat time applied. */
  function load(row: NodeRow): NodeRecord {
    const node = nodeFromRow(row);
    const p = pending.size ? pending.get(node.uuid) : undefined;
    if (p && p.url === node.agent_url) node.agent_last_heartbeat = p.at;
    return node;
  }

  function get(uuid: string): NodeRecord | null {
    const row = byUuid.get(uuid);
    return row ? load(row) : null;
  }

  return {
    insert(node) {
      const cols = nodeToColumns(node);
      const names = Object.keys(cols);
      try {
        db.query(`INSERT INTO nodes (${names.join(",")}) VALUES (${names.map(() => "?").join(",")})`).run(
          ...(Object.values(cols) as never[]),
        );
      } catch (e) {
        const msg = String((e as Error).message);
        if (msg.includes("nodes.name")) throw conductorError("DUPLICATE_NAME", { name: node.name ?? "" });
        if (msg.includes("nodes.uuid")) throw conductorError("DUPLICATE_UUID", { uuid: node.uuid });
        throw e;
      }
    },
    get,
    find(ident) {
      const row = byUuid.get(ident) ?? byName.get(ident);
      return row ? load(row) : null;
    },
    list(query = {}) {
      const { where, args } = nodeFilterSql(query);
      const key = query.sort_key ?? "created_at";
      const dir = query.sort_dir ?? "asc";
      if (query.marker) {
        const m = byUuid.get(query.marker);
        if (!m) throw conductorError("INVALID_PARAMETER", { reason: `Marker ${query.marker} could not be found.` });
        const after = afterMarker(key, dir, m[key] as string | number | null, m.uuid as string);
        where.push(after.sql);
        args.push(...after.args);
      }
      let sql = "SELECT * FROM nodes";
      if (where.length) sql += ` WHERE ${where.join(" AND ")}`;
      sql += ` ${orderBy(key, dir)}`;
      if (query.limit) (sql += " LIMIT ?"), args.push(query.limit);
      return db.query<NodeRow, (string | number)[]>(sql).all(...args).map(load);
    },
    listInStates(states) {
      if (!states.length) return [];
      return db
        .query<NodeRow, string[]>(`SELECT * FROM nodes WHERE provision_state IN (${states.map(() => "?").join(",")})`)
        .all(...states)
        .map(load);
    },
    update(uuid, fields, expectState) {
      targets.delete(uuid);
      const cols = nodeToColumns({ ...fields, updated_at: fields.updated_at ?? Date.now() });
      const names = Object.keys(cols);
      const sqlKey = `${names.join(",")}|${expectState !== undefined}`;
      let stmt = updateCache.get(sqlKey);
      if (!stmt) {
        stmt = db.query(
          `UPDATE nodes SET ${names.map((n) => `${n} = ?`).join(", ")} WHERE uuid = ?${expectState !== undefined ? " AND provision_state = ?" : ""}`,
        );
        updateCache.set(sqlKey, stmt);
      }
      const args = [...Object.values(cols), uuid, ...(expectState !== undefined ? [expectState] : [])];
      let changes: number;
      try {
        changes = stmt.run(...(args as never[])).changes;
      } catch (e) {
        if (String((e as Error).message).includes("nodes.name")) throw conductorError("DUPLICATE_NAME", { name: String(fields.name) });
        throw e;
      }
      // only once written: a write the store refused (locked, disk full) keeps the buffered beat
      if (changes > 0 && (fields.agent_url !== undefined || fields.agent_last_heartbeat !== undefined)) pending.delete(uuid);
      const now = get(uuid);
      if (!now) throw conductorError("NODE_NOT_FOUND", { node: uuid });
      if (changes === 0) {
        throw conductorError("INVALID_STATE", {
          reason: `Node ${uuid} is in state "${now.provision_state}", not "${expectState}"; the change was not applied.`,
        });
      }
      return now;
    },
    heartbeatTarget(ident) {
      const cached = targets.get(ident);
      if (cached) return cached;
      const t = hbByUuid.get(ident);
      if (t) targets.set(ident, t);
      return t ?? hbByName.get(ident);
    },
    recordHeartbeat(t, a) {
      if (t.agent_url === a.url && t.agent_version === a.version && t.agent_verify_ca === a.verifyCa) {
        pending.set(t.uuid, { url: a.url, at: a.at });
        return;
      }
      targets.delete(t.uuid);
      heartbeat.run(a.url, a.version, a.verifyCa, a.at, t.uuid);
      pending.delete(t.uuid);
    },
    flushHeartbeats() {
      if (!pending.size) return;
      flushPending(); // throws when the store cannot write; the buffer is kept for the next try
      pending.clear();
    },
    delete(uuid) {
      targets.delete(uuid);
      const gone = del.run(uuid).changes > 0;
      pending.delete(uuid);
      return gone;
    },
    count() {
      return countQ.get()?.n ?? 0;
    },
    shardCounts() {
      return shardQ.all();
    },
  };
}
