/**
 * @module conductor/store/resource-table
 * One SQLite table of a simple Ironic resource (chassis, portgroups, allocations, deploy
 * templates, volume connectors and targets): rows keyed by uuid, typed columns (JSON, boolean,
 * text, integer), equality filters, NULL-safe marker pagination and a unique-violation hook
 * that turns SQLite's constraint text into the catalogued 409.
 */
import type { Database } from "bun:sqlite";
import { conductorError, type ConductorError } from "../errors.ts";
import { afterMarker, orderBy, type SortDir } from "./keyset-page.ts";

export type ColumnKind = "text" | "int" | "bool" | "json";
export type ResourceRecord = Record<string, unknown> & { uuid: string; created_at: number; updated_at: number | null };

export interface TableSpec {
  table: string;
  /** How Ironic's "... with UUID x already exists." names the resource ("A chassis"). */
  what: string;
  /** Every column but uuid, created_at and updated_at. */
  columns: Record<string, ColumnKind>;
  /** The 404 for `ident` (also a marker that does not exist, as Ironic). */
  notFound(ident: string): ConductorError;
  /** Maps SQLite's "UNIQUE constraint failed: table.col" text to a 409, or null to rethrow. */
  conflict?(message: string, record: ResourceRecord): ConductorError | null;
}

export interface ListQuery {
  /** column = value (null: IS NULL). */
  where?: Record<string, string | number | null>;
  limit?: number;
  marker?: string;
  sort_key?: string;
  sort_dir?: SortDir;
}

export interface ResourceTable<R extends ResourceRecord = ResourceRecord> {
  insert(record: R): R;
  get(uuid: string): R | null;
  /** By a unique column (name, address...). */
  by(column: string, value: string | number): R | null;
  list(query?: ListQuery): R[];
  count(where?: Record<string, string | number | null>): number;
  update(uuid: string, fields: Partial<R>): R;
  delete(uuid: string): boolean;
}

type Row = Record<string, string | number | null>;

/**
 * @example
 * const chassis = createResourceTable(db, { table: "chassis", what: "A chassis", columns: { description: "text", extra: "json" }, notFound: (c) => conductorError("CHASSIS_NOT_FOUND", { chassis: c }) });
 */
export function createResourceTable<R extends ResourceRecord>(db: Database, spec: TableSpec): ResourceTable<R> {
  const cols = ["uuid", ...Object.keys(spec.columns), "created_at", "updated_at"];
  const kinds: Record<string, ColumnKind> = { uuid: "text", created_at: "int", updated_at: "int", ...spec.columns };
  const known = new Set(cols);
  const byUuid = db.query<Row, [string]>(`SELECT * FROM ${spec.table} WHERE uuid = ?`);

  const fromRow = (r: Row): R => {
    const out: Record<string, unknown> = {};
    for (const c of cols) {
      const v = r[c] ?? null;
      out[c] = kinds[c] === "json" ? (v === null ? null : JSON.parse(String(v))) : kinds[c] === "bool" ? (v === null ? null : v === 1) : v;
    }
    return out as R;
  };
  const toCol = (c: string, v: unknown): string | number | null => {
    if (v === undefined || v === null) return null;
    if (kinds[c] === "json") return JSON.stringify(v);
    if (kinds[c] === "bool") return v ? 1 : 0;
    return v as string | number;
  };
  const column = (c: string): string => {
    if (!known.has(c)) throw new Error(`no column ${c} in ${spec.table}`);
    return c;
  };
  const whereSql = (where: Record<string, string | number | null> = {}) => {
    const sql: string[] = [];
    const args: (string | number)[] = [];
    for (const [k, v] of Object.entries(where)) {
      if (v === null) sql.push(`${column(k)} IS NULL`);
      else (sql.push(`${column(k)} = ?`), args.push(v));
    }
    return { sql, args };
  };
  const write = (fn: () => void, record: ResourceRecord) => {
    try {
      fn();
    } catch (e) {
      const msg = String((e as Error).message);
      if (msg.includes(`${spec.table}.uuid`)) throw conductorError("RESOURCE_UUID_EXISTS", { what: spec.what, uuid: record.uuid });
      const mapped = msg.includes("UNIQUE") ? spec.conflict?.(msg, record) : null;
      if (mapped) throw mapped;
      throw e;
    }
  };

  return {
    insert(r) {
      write(() => db.query(`INSERT INTO ${spec.table} (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`).run(...cols.map((c) => toCol(c, r[c]))), r);
      return fromRow(byUuid.get(r.uuid)!);
    },
    get(uuid) {
      const r = byUuid.get(uuid);
      return r ? fromRow(r) : null;
    },
    by(c, value) {
      const r = db.query<Row, [string | number]>(`SELECT * FROM ${spec.table} WHERE ${column(c)} = ?`).get(value);
      return r ? fromRow(r) : null;
    },
    list(q = {}) {
      const { sql: where, args } = whereSql(q.where);
      const key = column(q.sort_key ?? "created_at");
      const dir = q.sort_dir ?? "asc";
      if (q.marker) {
        const m = byUuid.get(q.marker);
        if (!m) throw spec.notFound(q.marker);
        const after = afterMarker(key, dir, m[key] ?? null, String(m.uuid));
        where.push(after.sql);
        args.push(...after.args);
      }
      let sql = `SELECT * FROM ${spec.table}`;
      if (where.length) sql += ` WHERE ${where.join(" AND ")}`;
      sql += ` ${orderBy(key, dir)}`;
      if (q.limit) (sql += " LIMIT ?"), args.push(q.limit);
      return db.query<Row, (string | number)[]>(sql).all(...args).map(fromRow);
    },
    count(where) {
      const w = whereSql(where);
      const sql = `SELECT COUNT(*) AS n FROM ${spec.table}${w.sql.length ? ` WHERE ${w.sql.join(" AND ")}` : ""}`;
      return db.query<{ n: number }, (string | number)[]>(sql).get(...w.args)!.n;
    },
    update(uuid, f) {
      const cur = byUuid.get(uuid);
      if (!cur) throw spec.notFound(uuid);
      const next = { ...fromRow(cur), ...f, uuid, updated_at: Date.now() } as R;
      const set = cols.filter((c) => c !== "uuid" && c !== "created_at");
      write(() => db.query(`UPDATE ${spec.table} SET ${set.map((c) => `${c} = ?`).join(", ")} WHERE uuid = ?`).run(...set.map((c) => toCol(c, next[c])), uuid), next);
      return fromRow(byUuid.get(uuid)!);
    },
    delete(uuid) {
      return db.query(`DELETE FROM ${spec.table} WHERE uuid = ?`).run(uuid).changes > 0;
    },
  };
}
