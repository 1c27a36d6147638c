/**
 * @module conductor/api/port-view
 * A port as Ironic's API shows it.
 */
import { isoTime } from "../store/node-record.ts";
import type { PortRecord } from "../store/port-store.ts";

export const PORT_LIST_FIELDS = ["uuid", "address", "links"];

/**
 * @example
 * portView(port, "http://127.0.0.1:6385");
 */
export function portView(p: PortRecord, base: string, fields?: readonly string[]): Record<string, unknown> {
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
  if (!fields) return full;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in full) out[f] = full[f];
  return out;
}
