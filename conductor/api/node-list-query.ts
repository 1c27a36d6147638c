/**
 * @module conductor/api/node-list-query
 * The query of `GET /v1/nodes` and `/v1/nodes/detail`, read as Ironic's `NodesController`
 * reads it, in its order: every parameter's type first (`args.validate`, in the order of the
 * controller's signature, an unknown parameter being "Unexpected arguments" and a repeated
 * one a list no validator takes), then the
 * microversion gate of each filter (406), then `detail`, then limit and sorting. The result
 * is the store's {@link NodeFilters} plus paging.
 *
 * One Ironic rule that is easy to miss: child nodes (1.83, `parent_node` set) are left out of
 * a list unless `include_children=True` or `parent_node=` asks for them.
 */
import { pythonRepr } from "../../common/python-repr.ts";
import { conductorError } from "../errors.ts";
import { booleanField, isUuidLike } from "../../protocol/ironic-fields.ts";
import { S } from "../state-machine/states.ts";
import type { NodeFilters } from "../store/node-filters.ts";
import { NODE_SORT_KEYS, type NodeSortKey } from "../store/node-store.ts";
import { FEATURE_MINOR, NODE_FIELD_MINOR } from "./versions.ts";

/** The controller's parameters in its signature order (the order Ironic validates them in). */
const PARAMS = [
  "chassis_uuid", "instance_uuid", "associated", "maintenance", "retired", "provision_state", "marker", "limit",
  "sort_key", "sort_dir", "driver", "fields", "resource_class", "fault", "conductor_group", "detail", "conductor",
  "owner", "description_contains", "lessee", "project", "shard", "sharded", "include_children", "parent_node",
] as const;
type Param = (typeof PARAMS)[number];
/** `/detail` takes neither `fields` nor `detail`. */
const DETAIL_PARAMS = PARAMS.filter((p) => p !== "fields" && p !== "detail");

const BOOLEANS = new Set<Param>(["associated", "maintenance", "retired", "detail", "sharded", "include_children"]);
const UUIDS = new Set<Param>(["chassis_uuid", "instance_uuid", "marker"]);

/** Ironic's `faults.VALID_FAULTS`, printed as the Python tuple its message shows. */
const VALID_FAULTS = ["power failure", "clean failure", "rescue abort failure", "service failure"];
const PROVISION_STATES = new Set<string>(Object.values(S));
/** Fields Ironic refuses as a sort key (dicts and lists). */
const UNSORTABLE = ["properties", "driver_info", "extra", "instance_info", "driver_internal_info", "clean_step", "deploy_step", "raid_config", "target_raid_config", "traits", "network_data", "service_step", "firmware"];

/** A filter newer than the version: Ironic's 406 naming the version it needs. */
const GATED: readonly [Param, number][] = [
  ["driver", FEATURE_MINOR.driver_filter],
  ["resource_class", FEATURE_MINOR.resource_class_filter],
  ["fault", NODE_FIELD_MINOR.fault!],
  ["conductor_group", NODE_FIELD_MINOR.conductor_group!],
  ["conductor", NODE_FIELD_MINOR.conductor!],
  ["owner", NODE_FIELD_MINOR.owner!],
  ["lessee", NODE_FIELD_MINOR.lessee!],
  ["shard", FEATURE_MINOR.shard_filter],
  ["sharded", FEATURE_MINOR.shard_filter],
  ["include_children", FEATURE_MINOR.children],
  ["parent_node", FEATURE_MINOR.children],
];

export interface NodeListQuery {
  filters: NodeFilters;
  /** Only nodes this conductor manages (`?conductor=`): all of them, or none. */
  conductor: string | undefined;
  fields: string[] | undefined;
  detail: boolean | undefined;
  limit: number | undefined;
  marker: string | undefined;
  sort_key: NodeSortKey | undefined;
  sort_dir: "asc" | "desc" | undefined;
}

const bad = (reason: string) => conductorError("INVALID_PARAMETER", { reason });
const notAcceptable = (minor: number) =>
  conductorError("INVALID_PARAMETER_406", { reason: `Request not acceptable. The minimal required API version should be 1.${minor}` });

/** `args.string_list`: comma separated, trimmed, lower-cased, unique, empties dropped. */
function stringList(v: string): string[] {
  const out: string[] = [];
  for (const item of v.split(",")) {
    const norm = item.trim().toLowerCase();
    if (norm && !out.includes(norm)) out.push(norm);
  }
  return out;
}

/** `fields` keeps its case (the field names are checked against the node's fields later). */
const fieldList = (v: string) => v.split(",").map((f) => f.trim()).filter(Boolean);

/**
 * Reads and checks a node list query. `detailPath`: the request is `/v1/nodes/detail`.
 * @example
 * const q = readNodeListQuery(c.req.queries(), c.get("minor"), false);
 * ctx.store.nodes.list({ ...q.filters, limit: q.limit ?? 1000 });
 */
export function readNodeListQuery(all: Record<string, string[]>, minor: number, detailPath: boolean): NodeListQuery {
  const known: readonly string[] = detailPath ? DETAIL_PARAMS : PARAMS;
  const extra = Object.keys(all).filter((k) => !known.includes(k));
  if (extra.length) throw bad(`Unexpected arguments: ${extra.join(", ")}`);
  const raw: Record<string, string> = Object.fromEntries(Object.entries(all).map(([k, vs]) => [k, vs[0]!]));

  const bools: Partial<Record<Param, boolean>> = {};
  for (const p of known as readonly Param[]) {
    const values = all[p];
    if (values === undefined) continue;
    // A repeated parameter reaches Ironic's validators as a list, which none of them takes.
    const v = values.length > 1 ? pythonRepr(values) : values[0]!;
    if (values.length > 1 && !BOOLEANS.has(p)) {
      throw bad(UUIDS.has(p) ? `Expected UUID for ${p}: ${v}` : p === "limit" ? `Expected an integer for limit: ${v}` : `Expected string for ${p}: ${v}`);
    }
    if (BOOLEANS.has(p)) {
      const r = booleanField(p).safeParse(v);
      if (!r.success) throw bad(r.error.issues[0]!.message);
      bools[p] = r.data;
    } else if (UUIDS.has(p) && !isUuidLike(v)) {
      throw bad(`Expected UUID for ${p}: ${v}`);
    } else if (p === "limit" && !/^\s*[-+]?\d+\s*$/.test(v)) {
      throw bad(`Expected an integer for limit: ${v}`);
    }
  }

  const fields = raw.fields === undefined ? undefined : fieldList(raw.fields);
  if (fields && minor < FEATURE_MINOR.fields) throw conductorError("NOT_ACCEPTABLE");
  if (fields?.some((f) => (NODE_FIELD_MINOR[f] ?? 0) > minor)) throw conductorError("NOT_ACCEPTABLE");
  if (raw.sort_key !== undefined && (NODE_FIELD_MINOR[raw.sort_key] ?? 0) > minor) throw conductorError("NOT_ACCEPTABLE");
  if (raw.provision_state !== undefined) {
    if (minor < FEATURE_MINOR.provision_state_filter) throw conductorError("NOT_ACCEPTABLE");
    if (!PROVISION_STATES.has(raw.provision_state)) throw bad(`Provision state "${raw.provision_state}" is not valid`);
  }
  for (const [p, since] of GATED) {
    if (raw[p] === undefined) continue;
    if (minor < since) throw notAcceptable(since);
    if (p === "fault" && !VALID_FAULTS.includes(raw.fault!)) {
      throw bad(`Unrecognized fault "${raw.fault}" is specified, allowed faults are ('${VALID_FAULTS.join("', '")}')`);
    }
  }

  if (bools.detail !== undefined && minor < FEATURE_MINOR.detail_query) throw bad(`Invalid query parameter ?detail=${raw.detail} received.`);
  if (fields && bools.detail) throw bad("Can not specify ?detail=True and fields in the same request.");

  let limit: number | undefined;
  if (raw.limit !== undefined) {
    limit = Number(raw.limit.trim());
    if (limit <= 0) throw bad("Limit must be positive");
  }
  const sort_dir = raw.sort_dir;
  if (sort_dir !== undefined && sort_dir !== "asc" && sort_dir !== "desc") {
    throw bad(`Invalid sort direction: ${sort_dir}. Acceptable values are 'asc' or 'desc'`);
  }
  let sort_key = raw.sort_key;
  if (sort_key === "id") sort_key = "created_at";
  if (sort_key !== undefined) {
    if (UNSORTABLE.includes(sort_key)) throw bad(`The sort_key value ${sort_key} is an invalid field for sorting`);
    if (!(NODE_SORT_KEYS as readonly string[]).includes(sort_key)) throw bad(`The sort_key value "${sort_key}" is an invalid field for sorting`);
  }

  const filters: NodeFilters = {
    provision_state: raw.provision_state,
    maintenance: bools.maintenance,
    retired: bools.retired,
    driver: raw.driver,
    associated: bools.associated,
    instance_uuid: raw.instance_uuid,
    resource_class: raw.resource_class,
    chassis_uuid: raw.chassis_uuid,
    fault: raw.fault,
    conductor_group: raw.conductor_group,
    owner: raw.owner,
    lessee: raw.lessee,
    project: raw.project,
    description_contains: raw.description_contains,
    shard: raw.shard === undefined ? undefined : stringList(raw.shard),
    sharded: bools.sharded,
    // Ironic compares the parameter with the stored UUID as given: a parent's name matches nothing.
    parent_node: bools.include_children ? undefined : (raw.parent_node ?? null),
  };
  return {
    filters,
    conductor: raw.conductor,
    fields,
    detail: detailPath || bools.detail,
    limit,
    marker: raw.marker,
    sort_key: sort_key as NodeSortKey | undefined,
    sort_dir: sort_dir as "asc" | "desc" | undefined,
  };
}
