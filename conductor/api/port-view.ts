/**
 * @module conductor/api/port-view
 * A port as Ironic's API shows it, with only the fields the request's microversion has.
 */
import { isoTime } from "../store/node-record.ts";
import type { PortRecord } from "../store/port-store.ts";
import { MAX_MINOR, PORT_FIELD_MINOR, hideNewerFields } from "./versions.ts";

export const PORT_LIST_FIELDS = ["uuid", "address", "links"];

/** Every field a port has in the API (for validating `fields=`). */
export const PORT_FIELDS = new Set(["uuid", "address", "node_uuid", "pxe_enabled", "extra", "local_link_connection", "physical_network", "internal_info", "is_smartnic", "portgroup_uuid", "name", "created_at", "updated_at", "links"]);

/**
 * @example
 * portView(port, "http://127.0.0.1:6385", ["uuid", "address"], 53);
 */
export function portView(p: PortRecord, base: string, fields?: readonly string[], minor = MAX_MINOR): Record<string, unknown> {
  const full: Record<string, unknown> = {
    uuid: p.uuid,
    address: p.address,
    node_uuid: p.node_uuid,
    pxe_enabled: p.pxe_enabled,
    extra: p.extra,
    local_link_connection: p.local_link_connection,
    physical_network: p.physical_network,
    internal_info: {},
    is_smartnic: false,
    portgroup_uuid: p.portgroup_uuid ?? null,
    name: p.name,
    created_at: isoTime(p.created_at),
    updated_at: isoTime(p.updated_at),
    links: [
      { href: `${base}/v1/ports/${p.uuid}`, rel: "self" },
      { href: `${base}/ports/${p.uuid}`, rel: "bookmark" },
    ],
  };
  hideNewerFields(full, PORT_FIELD_MINOR, minor);
  if (!fields) return full;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in full) out[f] = full[f];
  return out;
}
