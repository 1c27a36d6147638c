/**
 * @module conductor/orchestration/discovery
 * Enrolling a server nobody enrolled (Ironic's auto-discovery, MAAS's enlistment): its agent
 * found no node at lookup and posted its inventory to `/v1/continue_inspection` without a
 * token. The only thing this path can do is create a new node in `enroll` with its ports,
 * properties, BMC address and stored inventory; it never reads or changes an existing node.
 */
import { randomUUID } from "node:crypto";
import type { Inventory } from "../../protocol/inventory.ts";
import { S } from "../state-machine/states.ts";
import { newNodeRecord, type NodeRecord } from "../store/node-record.ts";
import type { ConductorContext } from "./context.ts";
import { createRateWindow } from "./discovery-rate.ts";
import { bmcAddress, discoveredProperties, ignoredBy, nameFromHostname } from "./discovery-rules.ts";
import { inventoryMacs } from "./inspection.ts";

/** A real inventory (dozens of disks and NICs) is tens of KiB; an unauthenticated one may not be bigger than this. */
export const MAX_DISCOVERY_INVENTORY_BYTES = 256 * 1024;

/** What one discovery attempt came to; only `created` changed the store. */
export type DiscoveryOutcome =
  | { kind: "created"; node: NodeRecord; ports: string[] }
  | { kind: "disabled" }
  | { kind: "no_mac" }
  | { kind: "too_many_interfaces"; count: number }
  | { kind: "too_large"; bytes: number }
  | { kind: "known_mac"; mac: string }
  | { kind: "ignored"; rule: string }
  | { kind: "rate_limited" };

export interface Discovery {
  /** Creates the node if every rule allows it. Synchronous: one store transaction. */
  discover(inventory: Inventory, pluginData: Record<string, unknown>): DiscoveryOutcome;
}

/**
 * @example
 * const discovery = createDiscovery(ctx);
 * const out = discovery.discover(inventory, {}); // { kind: "created", node } when discovery.enabled
 */
export function createDiscovery(ctx: ConductorContext): Discovery {
  const cfg = ctx.config.discovery;
  const rate = createRateWindow(cfg.max_per_minute);
  const log = ctx.log.child({ component: "discovery" });

  function decide(inv: Inventory, macs: string[]): DiscoveryOutcome | null {
    if (!cfg.enabled) return { kind: "disabled" };
    if (inv.interfaces.length > cfg.max_interfaces) return { kind: "too_many_interfaces", count: inv.interfaces.length };
    const bytes = Buffer.byteLength(JSON.stringify(inv));
    if (bytes > MAX_DISCOVERY_INVENTORY_BYTES) return { kind: "too_large", bytes };
    if (!macs.length) return { kind: "no_mac" };
    const rule = ignoredBy(cfg, inv, macs);
    if (rule) return { kind: "ignored", rule };
    return null;
  }

  return {
    discover(inv, pluginData) {
      const macs = inventoryMacs(inv as unknown as Record<string, unknown>);
      const early = decide(inv, macs);
      const base = { macs, bmc_address: typeof inv.bmc_address === "string" ? inv.bmc_address.slice(0, 64) : null, event: "discovery" };
      if (early) {
        if (early.kind !== "disabled") log.warn({ ...base, outcome: early.kind, ...(early.kind === "ignored" ? { rule: early.rule } : {}) }, "discovery refused");
        return early;
      }
      const out = ctx.store.tx((): DiscoveryOutcome => {
        // Checked inside the transaction, so two agents posting the same MAC create one node.
        const known = macs.find((m) => ctx.store.ports.byAddress(m));
        if (known) return { kind: "known_mac", mac: known };
        if (!rate.take()) return { kind: "rate_limited" };
        const node = newDiscoveredNode(ctx, inv);
        ctx.store.nodes.insert(node);
        const pxe = String(inv.boot.pxe_interface ?? "").toLowerCase();
        const pxeKnown = macs.includes(pxe);
        const now = Date.now();
        const ports = macs.map((mac) => {
          const uuid = randomUUID();
          ctx.store.ports.insert({ uuid, address: mac, node_uuid: node.uuid, pxe_enabled: !pxeKnown || mac === pxe, extra: {}, local_link_connection: {}, physical_network: null, name: null, created_at: now, updated_at: null });
          return uuid;
        });
        ctx.store.inventories.save(node.uuid, inv, { ...pluginData, auto_discovered: true });
        return { kind: "created", node, ports };
      });
      if (out.kind === "created") {
        log.info({ ...base, node: out.node.uuid, name: out.node.name, driver: out.node.driver, ports: out.ports.length, outcome: "created" }, "discovered a new node");
      } else log.warn({ ...base, outcome: out.kind }, "discovery refused");
      return out;
    },
  };
}

function newDiscoveredNode(ctx: ConductorContext, inv: Inventory): NodeRecord {
  const cfg = ctx.config.discovery;
  const now = Date.now();
  const bmc = bmcAddress(inv);
  const wanted = cfg.name_from_hostname ? nameFromHostname(inv) : null;
  const name = wanted && !ctx.store.nodes.find(wanted) ? wanted : null;
  return newNodeRecord(
    {
      uuid: randomUUID(),
      name,
      driver: cfg.driver,
      provision_state: S.ENROLL,
      driver_info: bmc ? { ipmi_address: bmc } : {},
      properties: discoveredProperties(inv),
      extra: { discovered: true, auto_discovered: true },
      attrs: { description: `Discovered ${new Date(now).toISOString()}: an unenrolled server booted the RAM disk` },
      inspection_finished_at: now,
    },
    now,
  );
}
