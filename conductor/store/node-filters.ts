/**
 * @module conductor/store/node-filters
 * The node list's filters as SQL, with the semantics of Ironic's `_add_nodes_filters`: an
 * exact match per column, `shard` as a list (`IN`), `associated`/`sharded` as NOT NULL
 * tests, `project` as owner OR lessee, `description_contains` as `LIKE '%x%'` (unescaped,
 * so `%` and `_` are wildcards there too), and child nodes left out unless asked for.
 *
 * Fields Ironic keeps in columns with a default live in `attrs` here, absent until set; the
 * SQL reads them with Ironic's default (`conductor_group` "", `retired` false) so a filter
 * for the default also matches nodes that never set the field.
 */

/** What a node list may be filtered by (undefined: no filter). */
export interface NodeFilters {
  provision_state?: string;
  maintenance?: boolean;
  retired?: boolean;
  driver?: string;
  /** true: only nodes with an instance; false: only nodes without. */
  associated?: boolean;
  instance_uuid?: string;
  resource_class?: string;
  chassis_uuid?: string;
  fault?: string;
  /** Compared as stored (Ironic lower-cases the node's group on write, not the filter). */
  conductor_group?: string;
  owner?: string;
  lessee?: string;
  /** Nodes owned or leased by this project. */
  project?: string;
  description_contains?: string;
  /** Any of these shards. */
  shard?: readonly string[];
  /** true: only nodes with a shard; false: only nodes without. */
  sharded?: boolean;
  /**
   * A UUID: only that node's children. null: only nodes without a parent (the API's default,
   * Ironic's when `include_children` is not true). undefined: parents and children alike.
   */
  parent_node?: string | null;
}

const attr = (key: string) => `json_extract(attrs, '$.${key}')`;

/**
 * The WHERE terms and their arguments for `filters`; joined with AND by the caller.
 * @example
 * const { where, args } = nodeFilterSql({ retired: false, parent_node: null });
 * // where: ["COALESCE(json_extract(attrs, '$.retired'), 0) = ?", "json_extract(attrs, '$.parent_node') IS NULL"]
 */
export function nodeFilterSql(filters: NodeFilters): { where: string[]; args: (string | number)[] } {
  const where: string[] = [];
  const args: (string | number)[] = [];
  const eq = (sql: string, value: string | number) => (where.push(`${sql} = ?`), args.push(value));
  const present = (sql: string, yes: boolean) => where.push(`${sql} IS ${yes ? "NOT " : ""}NULL`);
  const f = filters;
  if (f.provision_state !== undefined) eq("provision_state", f.provision_state);
  if (f.maintenance !== undefined) eq("maintenance", f.maintenance ? 1 : 0);
  if (f.retired !== undefined) eq(`COALESCE(${attr("retired")}, 0)`, f.retired ? 1 : 0);
  if (f.driver !== undefined) eq("driver", f.driver);
  if (f.associated !== undefined) present("instance_uuid", f.associated);
  if (f.instance_uuid !== undefined) eq("instance_uuid", f.instance_uuid);
  if (f.resource_class !== undefined) eq(attr("resource_class"), f.resource_class);
  if (f.chassis_uuid !== undefined) eq(attr("chassis_uuid"), f.chassis_uuid);
  if (f.fault !== undefined) eq("fault", f.fault);
  if (f.conductor_group !== undefined) eq(`COALESCE(${attr("conductor_group")}, '')`, f.conductor_group);
  if (f.owner !== undefined) eq(attr("owner"), f.owner);
  if (f.lessee !== undefined) eq(attr("lessee"), f.lessee);
  if (f.project !== undefined) {
    where.push(`(${attr("owner")} = ? OR ${attr("lessee")} = ?)`);
    args.push(f.project, f.project);
  }
  if (f.description_contains !== undefined) {
    where.push(`${attr("description")} LIKE ?`);
    args.push(`%${f.description_contains}%`);
  }
  if (f.shard !== undefined) {
    // An empty list matches nothing, as SQLAlchemy's empty IN.
    if (!f.shard.length) where.push("0");
    else {
      where.push(`${attr("shard")} IN (${f.shard.map(() => "?").join(",")})`);
      args.push(...f.shard);
    }
  }
  if (f.sharded !== undefined) present(attr("shard"), f.sharded);
  if (f.parent_node === null) present(attr("parent_node"), false);
  else if (f.parent_node !== undefined) eq(attr("parent_node"), f.parent_node);
  return { where, args };
}
