/**
 * @module conductor/store/node-record
 * The node as the conductor holds it, and its mapping to and from a `nodes` row.
 */

export type Dict = Record<string, unknown>;

export interface NodeRecord {
  uuid: string;
  name: string | null;
  driver: string;
  provision_state: string;
  target_provision_state: string | null;
  power_state: string | null;
  target_power_state: string | null;
  maintenance: boolean;
  maintenance_reason: string | null;
  fault: string | null;
  last_error: string | null;
  instance_uuid: string | null;
  /** The allocation holding the node (column added by migration 2). */
  allocation_uuid?: string | null;
  driver_info: Dict;
  driver_internal_info: Dict;
  properties: Dict;
  instance_info: Dict;
  extra: Dict;
  /** Other writable Ironic fields (description, resource_class, owner, interfaces, ...). */
  attrs: Dict;
  clean_step: Dict | null;
  deploy_step: Dict | null;
  /** The service step running (API 1.87); absent on records made before servicing existed. */
  service_step?: Dict | null;
  agent_url: string | null;
  agent_token: string | null;
  agent_verify_ca: string | null;
  agent_version: string | null;
  /** Milliseconds since the epoch. */
  agent_last_heartbeat: number | null;
  provision_updated_at: number | null;
  inspection_started_at: number | null;
  inspection_finished_at: number | null;
  created_at: number;
  updated_at: number | null;
}

/** Columns stored as JSON text. */
export const JSON_COLUMNS = [
  "driver_info",
  "driver_internal_info",
  "properties",
  "instance_info",
  "extra",
  "attrs",
  "clean_step",
  "deploy_step",
  "service_step",
] as const;

export type NodeRow = Record<string, string | number | null>;

/** Row -> record. */
export function nodeFromRow(row: NodeRow): NodeRecord {
  const out: Record<string, unknown> = { ...row };
  for (const c of JSON_COLUMNS) {
    const v = row[c];
    out[c] = typeof v === "string" ? JSON.parse(v) : c === "clean_step" || c === "deploy_step" || c === "service_step" ? null : {};
  }
  out.maintenance = row.maintenance === 1;
  return out as unknown as NodeRecord;
}

/** Record fields -> column values (JSON encoded where needed). */
export function nodeToColumns(fields: Partial<NodeRecord>): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    if ((JSON_COLUMNS as readonly string[]).includes(k)) out[k] = v === null ? null : JSON.stringify(v);
    else if (k === "maintenance") out[k] = v ? 1 : 0;
    else out[k] = v as string | number | null;
  }
  return out;
}

/** Milliseconds -> Ironic's timestamp format (`2024-05-01T12:00:00+00:00`). */
export function isoTime(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined) return null;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+00:00");
}

/** What a new node must be given; everything else starts empty. */
export type NewNode = Pick<NodeRecord, "uuid" | "name" | "driver" | "provision_state"> & Partial<NodeRecord>;

/**
 * A node as it is first stored (API create, discovery): no agent, no steps, no errors.
 * @example
 * store.nodes.insert(newNodeRecord({ uuid, name: null, driver: "ipmi", provision_state: "enroll" }));
 */
export function newNodeRecord(init: NewNode, now = Date.now()): NodeRecord {
  return {
    target_provision_state: null,
    power_state: null,
    target_power_state: null,
    maintenance: false,
    maintenance_reason: null,
    fault: null,
    last_error: null,
    instance_uuid: null,
    driver_info: {},
    driver_internal_info: {},
    properties: {},
    instance_info: {},
    extra: {},
    attrs: {},
    clean_step: null,
    deploy_step: null,
    agent_url: null,
    agent_token: null,
    agent_verify_ca: null,
    agent_version: null,
    agent_last_heartbeat: null,
    provision_updated_at: now,
    inspection_started_at: null,
    inspection_finished_at: null,
    created_at: now,
    updated_at: null,
    ...init,
  };
}
