/**
 * @module conductor/api/versions
 * Ironic's microversion gates as data: the minor version that introduced each node field,
 * port field, provision verb and feature (Ironic's `versions.py`, `VERSIONED_FIELDS` and the
 * `allow_*` functions of `utils.py`). Every version check of the API reads these tables, so a
 * new version is a new row, not a new `if`.
 *
 * What 1.83-1.89 (newer than Ironic 21.4's 1.82) added, from Ironic's source:
 * - 1.83 `parent_node` on nodes (child nodes), `GET /v1/nodes/{id}/children`, the
 *   `parent_node`/`include_children` list filters.
 * - 1.84 `POST /v1/continue_inspection` (the ramdisk's inspection callback).
 * - 1.85 the `unhold` provision verb (leaves `clean hold`/`deploy hold`/`service hold`, where a
 *   run's reserved `hold` step put it).
 * - 1.86 `firmware_interface` on nodes and `/v1/nodes/{id}/firmware`.
 * - 1.87 the `service` provision verb (with `service_steps`) and the node's `service_step`.
 * - 1.88 `name` on ports.
 * - 1.89 `POST`/`DELETE /v1/nodes/{id}/vmedia` (attach/detach virtual media).
 */
import { conductorError } from "../errors.ts";

export const MIN_MINOR = 1;
/** Metal3's baremetal-operator refuses an Ironic below 1.89. */
export const MAX_MINOR = 89;
export const MIN_VERSION = `1.${MIN_MINOR}`;
export const MAX_VERSION = `1.${MAX_MINOR}`;

type Gates = Readonly<Record<string, number>>;

const V31_INTERFACES = ["boot_interface", "console_interface", "deploy_interface", "inspect_interface", "management_interface", "power_interface", "raid_interface", "vendor_interface"];

/** Node fields and the minor that introduced them; absent fields are in 1.1. */
export const NODE_FIELD_MINOR: Gates = {
  driver_internal_info: 3,
  name: 5,
  inspection_finished_at: 6,
  inspection_started_at: 6,
  clean_step: 7,
  raid_config: 12,
  target_raid_config: 12,
  states: 14,
  network_interface: 20,
  resource_class: 21,
  portgroups: 24,
  volume: 32,
  storage_interface: 33,
  traits: 37,
  rescue_interface: 38,
  bios_interface: 40,
  fault: 42,
  deploy_step: 44,
  conductor_group: 46,
  automated_clean: 47,
  protected: 48,
  protected_reason: 48,
  conductor: 49,
  owner: 50,
  description: 51,
  allocation_uuid: 52,
  retired: 61,
  retired_reason: 61,
  lessee: 65,
  network_data: 66,
  boot_mode: 75,
  secure_boot: 75,
  shard: 82,
  parent_node: 83,
  firmware_interface: 86,
  service_step: 87,
  ...Object.fromEntries(V31_INTERFACES.map((f) => [f, 31])),
};

/** Port fields and the minor that introduced them. */
export const PORT_FIELD_MINOR: Gates = {
  internal_info: 18,
  pxe_enabled: 19,
  local_link_connection: 19,
  portgroup_uuid: 24,
  physical_network: 34,
  is_smartnic: 53,
  name: 88,
};

/** Provision verbs newer than 1.1 (Ironic answers an older request 406). */
export const VERB_MINOR: Gates = {
  manage: 4,
  provide: 4,
  inspect: 6,
  abort: 13,
  clean: 15,
  adopt: 17,
  rescue: 38,
  unrescue: 38,
  deploy: 73,
  undeploy: 73,
  unhold: 85,
  service: 87,
};

/** Features (endpoints, parameters) by the minor that introduced them. */
export const FEATURE_MINOR = {
  /** `?fields=` on any resource. */
  fields: 8,
  /** `?provision_state=` on the node list. */
  provision_state_filter: 9,
  /** `links` in `/v1/nodes/{id}/states` and the drivers' `properties` links. */
  states_links: 14,
  /** New nodes start in `enroll` instead of `available`. */
  enroll_state: 11,
  /** `?driver=` on the node list. */
  driver_filter: 16,
  resource_class_filter: 21,
  /** `/v1/lookup`, `/v1/heartbeat`. */
  ramdisk_api: 22,
  /** Soft power off/reboot and the power `timeout`. */
  soft_power: 27,
  /** Driver types and `?detail=` on `/v1/drivers`, `default_*`/`enabled_*` interfaces. */
  dynamic_drivers: 30,
  /** `inspect wait` shown as such (older clients see `inspecting`). */
  inspect_wait: 39,
  /** `?detail=True` on collections. */
  detail_query: 43,
  /** `agent_verify_ca` in a heartbeat. */
  heartbeat_verify_ca: 68,
  /** `?fields=` on `/v1/drivers`. */
  driver_fields: 77,
  inventory: 81,
  shard_filter: 82,
  children: 83,
  continue_inspection: 84,
  firmware: 86,
  vmedia_attach: 89,
} as const;
export type Feature = keyof typeof FEATURE_MINOR;

/**
 * Whether `feature` exists at `minor`. Unlike Ironic, `continue_inspection` is not served at
 * 1.1 (Ironic's Inspector-compatible form): only an agent that asks for 1.84 gets it.
 */
export function allows(feature: Feature, minor: number): boolean {
  return minor >= FEATURE_MINOR[feature];
}

/** Fields of `gates` a client at `minor` does not know. */
export function newerFields(gates: Gates, minor: number): string[] {
  return Object.keys(gates).filter((f) => gates[f]! > minor);
}

/**
 * Drops the fields newer than `minor` from a view, as Ironic's `hide_fields_in_newer_versions`.
 * @example
 * hideNewerFields(view, NODE_FIELD_MINOR, 50); // no lessee, network_data, shard, ...
 */
export function hideNewerFields<T extends Record<string, unknown>>(view: T, gates: Gates, minor: number): T {
  for (const f of newerFields(gates, minor)) delete view[f];
  return view;
}

/**
 * `?fields=` checks, in Ironic's order: the parameter itself needs 1.8 (406), a name newer than
 * the version is 406, an unknown name is 400 `Field(s) "x" are not valid`.
 */
export function checkFields(fields: readonly string[] | undefined, known: ReadonlySet<string>, gates: Gates, minor: number): void {
  if (fields === undefined) return;
  if (minor < FEATURE_MINOR.fields) throw conductorError("NOT_ACCEPTABLE");
  if (fields.some((f) => (gates[f] ?? 0) > minor)) throw conductorError("NOT_ACCEPTABLE");
  const unknown = fields.filter((f) => !known.has(f));
  if (unknown.length) throw conductorError("INVALID_PARAMETER", { reason: `Field(s) "${unknown.join(", ")}" are not valid` });
}

/**
 * A create body naming a field newer than the version is 406, unless the value is empty
 * (Ironic's `reject_fields_in_newer_versions`: `null`, or `""` for `conductor_group`).
 */
export function rejectNewerInBody(body: Record<string, unknown>, gates: Gates, minor: number): void {
  for (const f of newerFields(gates, minor)) {
    const v = body[f];
    if (v === undefined || v === null || (f === "conductor_group" && v === "")) continue;
    throw conductorError("NOT_ACCEPTABLE");
  }
}

/** `?detail=` before 1.43 is 400, as Ironic's `get_request_return_fields`. */
export function checkDetailQuery(detail: string | undefined, minor: number): void {
  if (detail !== undefined && minor < FEATURE_MINOR.detail_query) {
    throw conductorError("INVALID_PARAMETER", { reason: `Invalid query parameter ?detail=${detail.slice(0, 20)} received.` });
  }
}

/** A JSON patch touching a field newer than the version is 406 (Ironic's `reject_patch_in_newer_versions`). */
export function rejectNewerInPatch(patch: readonly { path: string; value?: unknown }[], gates: Gates, minor: number): void {
  const newer = new Set(newerFields(gates, minor));
  for (const op of patch) {
    const top = op.path.split("/")[1] ?? "";
    if (newer.has(top) && op.value !== undefined && op.value !== null && op.value !== "") throw conductorError("NOT_ACCEPTABLE");
  }
}

/**
 * Verbs whose version Ironic checks only once the state machine accepted them (`unhold`,
 * `service`): below their version a verb the node's state refuses is still the state's 400.
 */
const LATE_VERBS = new Set(["unhold", "service"]);

/**
 * A provision verb newer than the version is 406, as Ironic's `check_allow_management_verbs`
 * (`late`: false) and its later `allow_unhold_verb`/`allow_service_verb` checks (`late`: true).
 */
export function checkVerb(verb: string, minor: number, late = false): void {
  const min = VERB_MINOR[verb];
  if (min !== undefined && LATE_VERBS.has(verb) === late && minor < min) throw conductorError("NOT_ACCEPTABLE");
}

/**
 * A feature newer than the version: Ironic answers 404 for a sub-resource that did not exist
 * yet and 406 for a parameter; `as` picks which.
 */
export function requireFeature(feature: Feature, minor: number, as: "not_found" | "not_acceptable", path = ""): void {
  if (allows(feature, minor)) return;
  if (as === "not_found") throw conductorError("NOT_FOUND", { path });
  throw conductorError("NOT_ACCEPTABLE");
}
