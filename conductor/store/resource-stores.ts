/**
 * @module conductor/store/resource-stores
 * The tables of Ironic's smaller resources, each a {@link createResourceTable} with its
 * columns and its 404/409 in Ironic's wording.
 */
import type { Database } from "bun:sqlite";
import { conductorError } from "../errors.ts";
import { createResourceTable, type ResourceRecord, type ResourceTable } from "./resource-table.ts";

export interface ChassisRecord extends ResourceRecord { description: string | null; extra: Record<string, unknown> }
export interface PortgroupRecord extends ResourceRecord {
  name: string | null;
  address: string | null;
  node_uuid: string;
  mode: string | null;
  properties: Record<string, unknown>;
  standalone_ports_supported: boolean;
  extra: Record<string, unknown>;
  internal_info: Record<string, unknown>;
}
export interface AllocationRecord extends ResourceRecord {
  name: string | null;
  node_uuid: string | null;
  state: "allocating" | "active" | "error";
  last_error: string | null;
  resource_class: string | null;
  traits: string[];
  candidate_nodes: string[];
  extra: Record<string, unknown>;
  owner: string | null;
}
export interface DeployStep { interface: string; step: string; args: Record<string, unknown>; priority: number }
export interface DeployTemplateRecord extends ResourceRecord { name: string; description: string | null; steps: DeployStep[]; extra: Record<string, unknown> }
export interface VolumeConnectorRecord extends ResourceRecord { node_uuid: string; type: string; connector_id: string; extra: Record<string, unknown> }
export interface VolumeTargetRecord extends ResourceRecord {
  node_uuid: string;
  volume_type: string;
  volume_id: string;
  boot_index: number;
  properties: Record<string, unknown>;
  extra: Record<string, unknown>;
}

export interface ResourceStores {
  chassis: ResourceTable<ChassisRecord>;
  portgroups: ResourceTable<PortgroupRecord>;
  allocations: ResourceTable<AllocationRecord>;
  deployTemplates: ResourceTable<DeployTemplateRecord>;
  volumeConnectors: ResourceTable<VolumeConnectorRecord>;
  volumeTargets: ResourceTable<VolumeTargetRecord>;
}

/**
 * @example
 * const { chassis } = createResourceStores(db);
 */
export function createResourceStores(db: Database): ResourceStores {
  return {
    chassis: createResourceTable(db, {
      table: "chassis",
      what: "A chassis",
      columns: { description: "text", extra: "json" },
      notFound: (chassis) => conductorError("CHASSIS_NOT_FOUND", { chassis }),
    }),
    portgroups: createResourceTable(db, {
      table: "portgroups",
      what: "A portgroup",
      columns: { name: "text", address: "text", node_uuid: "text", mode: "text", properties: "json", standalone_ports_supported: "bool", extra: "json", internal_info: "json" },
      notFound: (portgroup) => conductorError("PORTGROUP_NOT_FOUND", { portgroup }),
      conflict: (msg, r) =>
        msg.includes("portgroups.name") ? conductorError("PORTGROUP_DUPLICATE_NAME", { name: String(r.name) })
        : msg.includes("portgroups.address") ? conductorError("PORTGROUP_MAC_EXISTS", { mac: String(r.address) })
        : null,
    }),
    allocations: createResourceTable(db, {
      table: "allocations",
      what: "An allocation",
      columns: { name: "text", node_uuid: "text", state: "text", last_error: "text", resource_class: "text", traits: "json", candidate_nodes: "json", extra: "json", owner: "text" },
      notFound: (allocation) => conductorError("ALLOCATION_NOT_FOUND", { allocation }),
      conflict: (msg, r) => (msg.includes("allocations.name") ? conductorError("ALLOCATION_DUPLICATE_NAME", { name: String(r.name) }) : null),
    }),
    deployTemplates: createResourceTable(db, {
      table: "deploy_templates",
      what: "A deploy template",
      columns: { name: "text", description: "text", steps: "json", extra: "json" },
      notFound: (template) => conductorError("DEPLOY_TEMPLATE_NOT_FOUND", { template }),
      conflict: (msg, r) => (msg.includes("deploy_templates.name") ? conductorError("DEPLOY_TEMPLATE_DUPLICATE_NAME", { name: String(r.name) }) : null),
    }),
    volumeConnectors: createResourceTable(db, {
      table: "volume_connectors",
      what: "A volume connector",
      columns: { node_uuid: "text", type: "text", connector_id: "text", extra: "json" },
      notFound: (connector) => conductorError("VOLUME_CONNECTOR_NOT_FOUND", { connector }),
      conflict: (msg, r) => (msg.includes("volume_connectors.type") ? conductorError("VOLUME_CONNECTOR_EXISTS", { type: String(r.type), connector_id: String(r.connector_id) }) : null),
    }),
    volumeTargets: createResourceTable(db, {
      table: "volume_targets",
      what: "A volume target",
      columns: { node_uuid: "text", volume_type: "text", volume_id: "text", boot_index: "int", properties: "json", extra: "json" },
      notFound: (target) => conductorError("VOLUME_TARGET_NOT_FOUND", { target }),
      conflict: (msg, r) => (msg.includes("volume_targets.node_uuid") ? conductorError("VOLUME_TARGET_BOOT_INDEX_EXISTS", { boot_index: Number(r.boot_index) }) : null),
    }),
  };
}
