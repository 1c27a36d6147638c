/**
 * @module conductor/orchestration/inspection
 * In-band inspection: on the first heartbeat in `inspect wait` the conductor asks the agent
 * for `poll.get_hardware_info` (or the agent posts `/v1/continue_inspection`); the inventory is
 * stored, `properties` (cpus, memory_mb, local_gb, cpu_arch) set, and a port created per MAC.
 */
import { randomUUID } from "node:crypto";
import { isTeethError } from "../../common/branded-error.ts";
import { MAC_ADDRESS_PATTERN } from "../../common/mac-address.ts";
import { S } from "../state-machine/states.ts";
import type { NodeRecord } from "../store/node-record.ts";
import { isStoreFault } from "../store/store-fault.ts";
import { tearDownRamdisk, WIPE_AGENT } from "./agent-lifecycle.ts";
import type { ConductorContext } from "./context.ts";

const GiB = 1024 ** 3;

/** Ironic's inspector rules: root disk = smallest disk >= 4 GiB; local_gb keeps 1 GiB spare. */
export function propertiesFromInventory(inv: Record<string, unknown>): Record<string, unknown> {
  const cpu = (inv.cpu ?? {}) as { count?: number; architecture?: string };
  const mem = (inv.memory ?? {}) as { physical_mb?: number | null; total?: number };
  const disks = Array.isArray(inv.disks) ? (inv.disks as { size?: number }[]) : [];
  const root = disks.filter((d) => typeof d.size === "number" && d.size >= 4 * GiB).sort((a, b) => a.size! - b.size!)[0];
  const out: Record<string, unknown> = {};
  if (typeof cpu.count === "number") out.cpus = cpu.count;
  if (typeof cpu.architecture === "string") out.cpu_arch = cpu.architecture;
  if (typeof mem.physical_mb === "number") out.memory_mb = mem.physical_mb;
  else if (typeof mem.total === "number") out.memory_mb = Math.floor(mem.total / 1024 / 1024);
  out.local_gb = root ? Math.max(0, Math.floor(root.size! / GiB) - 1) : 0;
  return out;
}

/** MACs in an inventory, lowercased. */
export function inventoryMacs(inv: Record<string, unknown>): string[] {
  const ifs = Array.isArray(inv.interfaces) ? (inv.interfaces as { mac_address?: unknown }[]) : [];
  const macs = ifs.map((i) => (typeof i.mac_address === "string" ? i.mac_address.toLowerCase() : ""));
  return [...new Set(macs.filter((m) => MAC_ADDRESS_PATTERN.test(m) && m !== "00:00:00:00:00:00"))];
}

/**
 * Stores an inventory and finishes inspection (-> manageable). Call with the lock held.
 * @example
 * await completeInspection(ctx, node, inventory, {});
 */
export async function completeInspection(ctx: ConductorContext, node: NodeRecord, inventory: Record<string, unknown>, pluginData: unknown): Promise<NodeRecord> {
  const from = node.provision_state;
  const pxe = String(((inventory.boot ?? {}) as { pxe_interface?: unknown }).pxe_interface ?? "").toLowerCase();
  ctx.store.tx(() => {
    ctx.store.inventories.save(node.uuid, inventory, pluginData);
    for (const mac of inventoryMacs(inventory)) {
      if (ctx.store.ports.byAddress(mac)) continue;
      const now = Date.now();
      ctx.store.ports.insert({ uuid: randomUUID(), address: mac, node_uuid: node.uuid, pxe_enabled: !pxe || pxe === mac, extra: {}, local_link_connection: {}, physical_network: null, name: null, created_at: now, updated_at: null });
    }
    ctx.store.nodes.update(node.uuid, { properties: { ...node.properties, ...propertiesFromInventory(inventory) }, inspection_finished_at: Date.now() });
  });
  if (from === S.INSPECTWAIT) node = ctx.move(node.uuid, { from, to: S.INSPECTING, reason: "inventory received" });
  node = await tearDownRamdisk(ctx, ctx.store.nodes.get(node.uuid)!);
  return ctx.move(node.uuid, { from: S.INSPECTING, to: S.MANAGEABLE, reason: "inspection finished", fields: { target_provision_state: null, last_error: null } });
}

/** Fails inspection with a reason. */
export function failInspection(ctx: ConductorContext, node: NodeRecord, reason: string): NodeRecord {
  if (node.provision_state !== S.INSPECTING && node.provision_state !== S.INSPECTWAIT) return node;
  return ctx.move(node.uuid, { from: node.provision_state, to: S.INSPECTFAIL, reason, fields: { last_error: reason, target_provision_state: null, ...WIPE_AGENT } });
}

/** First heartbeat in `inspect wait`: pull the inventory from the agent. Lock held. */
export async function inspectViaAgent(ctx: ConductorContext, uuid: string): Promise<void> {
  const node = ctx.store.nodes.get(uuid);
  if (!node || node.provision_state !== S.INSPECTWAIT) return;
  try {
    const r = await ctx.agent.execute(node, "poll.get_hardware_info", {}, { wait: true });
    const inv = r.command_result;
    if (r.command_status !== "SUCCEEDED" || !inv || typeof inv !== "object") {
      failInspection(ctx, node, `Agent failed to return the hardware inventory: ${r.command_error?.message ?? r.command_status}`);
      return;
    }
    await completeInspection(ctx, node, inv as Record<string, unknown>, {});
  } catch (e) {
    if (isStoreFault(e)) {
      // Not the hardware's fault: the node stays as the store has it. The inventory is saved in
      // one transaction, so in inspect wait nothing was kept and the next heartbeat retries.
      ctx.log.warn({ node: uuid, err: e }, "store unavailable during inspection; will retry on the next heartbeat");
      return;
    }
    const cur = ctx.store.nodes.get(uuid);
    if (cur) failInspection(ctx, cur, isTeethError(e) ? e.message : `Unexpected error during inspection: ${(e as Error).message}`);
  }
}
