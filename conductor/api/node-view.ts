/**
 * @module conductor/api/node-view
 * A node as Ironic's API shows it: secrets masked `******` at any depth of driver_info,
 * instance_info (the configdrive, tenant data, included: Ironic's `show_instance_secrets`
 * defaults to nobody) and driver_internal_info, the agent token never shown, links, and the
 * `fields` selection. Every way a node leaves the conductor (API, lookup, agent commands)
 * goes through the masking of `conductor/views/node-masking.ts`.
 */
import { maskSecretsInText } from "../../common/secrets.ts";
import { isoTime, type Dict, type NodeRecord } from "../store/node-record.ts";
import { INTERFACE_FIELDS, LEGACY_DEFAULTS } from "../drivers/interfaces.ts";
import { FEATURE_MINOR, MAX_MINOR, NODE_FIELD_MINOR, hideNewerFields } from "./versions.ts";
import { maskDriverInfo, maskInstanceInfo, maskStep, publicInternalInfo } from "../views/node-masking.ts";

// Still importable from here by API code; the masking itself lives below the API and orchestration.
export { maskDriverInfo, maskInstanceInfo, publicInternalInfo };

/** Fields of a node in the non-detailed list, as Ironic. */
export const LIST_FIELDS = ["uuid", "name", "instance_uuid", "power_state", "provision_state", "maintenance", "links"];

const INTERFACES = INTERFACE_FIELDS;

/** Every field a node has in the API (for validating `fields=`). */
export const NODE_FIELDS = new Set([
  "uuid", "name", "driver", "driver_info", "driver_internal_info", "properties", "instance_info", "instance_uuid",
  "extra", "power_state", "target_power_state", "provision_state", "target_provision_state", "provision_updated_at",
  "maintenance", "maintenance_reason", "fault", "last_error", "reservation", "console_enabled", "inspection_started_at",
  "inspection_finished_at", "created_at", "updated_at", "clean_step", "deploy_step", "resource_class", "automated_clean",
  "protected", "protected_reason", "owner", "lessee", "description", "conductor_group", "conductor", "allocation_uuid",
  "retired", "retired_reason", "network_data", "boot_mode", "secure_boot", "chassis_uuid", "raid_config",
  "target_raid_config", "traits", "shard", "parent_node", "service_step", "links", "ports", "portgroups", "states", "volume", "firmware_interface",
  ...INTERFACES,
]);

function link(base: string, path: string) {
  return [
    { href: `${base}/v1/${path}`, rel: "self" },
    { href: `${base}/${path}`, rel: "bookmark" },
  ];
}

/**
 * Renders a node for the API. `reservation`: the conductor holding the node's lock (Ironic
 * shows its host there while a task runs), else null. `minor`: the request's microversion;
 * fields newer than it are left out and old state names restored, as Ironic.
 * @example
 * nodeView(node, "http://127.0.0.1:6385", ["uuid", "provision_state"]);
 */
export function nodeView(node: NodeRecord, base: string, fields?: readonly string[], conductorName = "teeth", reservation: string | null = null, minor = MAX_MINOR): Dict {
  const a = node.attrs;
  const full: Dict = {
    uuid: node.uuid,
    name: node.name,
    driver: node.driver,
    driver_info: maskDriverInfo(node.driver_info),
    driver_internal_info: publicInternalInfo(node),
    properties: node.properties,
    instance_info: maskInstanceInfo(node.instance_info),
    instance_uuid: node.instance_uuid,
    extra: node.extra,
    power_state: node.power_state,
    target_power_state: node.target_power_state,
    provision_state: node.provision_state,
    target_provision_state: node.target_provision_state,
    provision_updated_at: isoTime(node.provision_updated_at),
    maintenance: node.maintenance,
    maintenance_reason: node.maintenance_reason,
    fault: node.fault,
    last_error: node.last_error && maskSecretsInText(node.last_error),
    reservation,
    console_enabled: false,
    inspection_started_at: isoTime(node.inspection_started_at),
    inspection_finished_at: isoTime(node.inspection_finished_at),
    created_at: isoTime(node.created_at),
    updated_at: isoTime(node.updated_at),
    clean_step: maskStep(node.clean_step),
    deploy_step: maskStep(node.deploy_step),
    service_step: maskStep(node.service_step ?? null),
    resource_class: a.resource_class ?? null,
    automated_clean: a.automated_clean ?? null,
    protected: a.protected ?? false,
    protected_reason: a.protected_reason ?? null,
    owner: a.owner ?? null,
    lessee: a.lessee ?? null,
    description: a.description ?? null,
    conductor_group: a.conductor_group ?? "",
    conductor: conductorName,
    allocation_uuid: node.allocation_uuid ?? null,
    retired: a.retired ?? false,
    retired_reason: a.retired_reason ?? null,
    network_data: a.network_data ?? {},
    boot_mode: null,
    secure_boot: null,
    chassis_uuid: a.chassis_uuid ?? null,
    raid_config: a.raid_config ?? {},
    target_raid_config: a.target_raid_config ?? {},
    traits: a.traits ?? [],
    shard: a.shard ?? null,
    parent_node: a.parent_node ?? null,
    links: link(base, `nodes/${node.uuid}`),
    ports: link(base, `nodes/${node.uuid}/ports`),
    states: link(base, `nodes/${node.uuid}/states`),
    portgroups: link(base, `nodes/${node.uuid}/portgroups`),
    volume: link(base, `nodes/${node.uuid}/volume`),
  };
  for (const i of INTERFACES) full[i] = (a[i] as string | undefined) ?? LEGACY_DEFAULTS[i];
  hideNewerFields(full, NODE_FIELD_MINOR, minor);
  full.provision_state = olderStateName(node.provision_state, minor);
  if (!fields) return full;
  const out: Dict = {};
  for (const f of fields) if (f in full) out[f] = full[f];
  return out;
}

/** Ironic's state names before 1.2 (`available` was `null`) and 1.39 (no `inspect wait`). */
export function olderStateName(state: string, minor: number): string | null {
  if (state === "available" && minor < 2) return null;
  if (state === "inspect wait" && minor < FEATURE_MINOR.inspect_wait) return "inspecting";
  return state;
}

/** `GET /v1/nodes/{id}/states` (no links, as Ironic). */
export function statesView(node: NodeRecord, _base: string, minor = MAX_MINOR): Dict {
  const view: Dict = {
    power_state: node.power_state,
    target_power_state: node.target_power_state,
    provision_state: olderStateName(node.provision_state, minor),
    target_provision_state: node.target_provision_state,
    provision_updated_at: isoTime(node.provision_updated_at),
    last_error: node.last_error && maskSecretsInText(node.last_error),
    console_enabled: false,
    raid_config: node.attrs.raid_config ?? {},
    target_raid_config: node.attrs.target_raid_config ?? {},
    boot_mode: null,
    secure_boot: null,
  };
  return hideNewerFields(view, NODE_FIELD_MINOR, minor);
}

/** Writable attrs of a node kept in the `attrs` column. */
export const ATTR_FIELDS = new Set([
  "description", "resource_class", "owner", "lessee", "conductor_group", "automated_clean", "network_data",
  "chassis_uuid", "shard", "parent_node", "retired", "retired_reason", "protected", "protected_reason", ...INTERFACES,
]);
