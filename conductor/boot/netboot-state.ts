/**
 * @module conductor/boot/netboot-state
 * What a node's next network boot leads to, kept in the store (`driver_internal_info.netboot`)
 * so it survives a conductor restart: the RAM disk with its kernel parameters, or local boot.
 * The MAC's script is decided from it (`decideScript`).
 */
import type { BootMode } from "../drivers/driver-contract.ts";
import { nodeBootMode } from "../drivers/driver-contract.ts";
import type { Store } from "../store/index.ts";
import type { NodeRecord } from "../store/node-record.ts";

/** The `driver_internal_info` key this module owns. */
export const NETBOOT_KEY = "netboot";

export type NetbootState =
  | { boot: "ramdisk"; kernel_params: Record<string, string>; request_id: string; since: number }
  | { boot: "local"; reason: "instance" | "cleaned"; since: number };

/** What `/boot/{mac}.ipxe` answers. */
export type ScriptDecision =
  | { kind: "ramdisk"; node: string; mac: string; kernelParams: Record<string, string>; requestId: string; nodeAppend: string[] }
  | { kind: "local"; node: string; bootMode: BootMode }
  | { kind: "unknown"; mac: string };

/** The node's state, or null when it was never prepared for network boot. */
export function readNetboot(node: Pick<NodeRecord, "driver_internal_info">): NetbootState | null {
  const v = node.driver_internal_info?.[NETBOOT_KEY] as NetbootState | undefined;
  return v && (v.boot === "ramdisk" || v.boot === "local") ? v : null;
}

/**
 * Writes the node's state, merged into the freshest copy of `driver_internal_info` (read and
 * written without an await between, so another writer's keys are kept).
 */
export function writeNetboot(store: Store, uuid: string, state: NetbootState): NodeRecord {
  const cur = store.nodes.get(uuid);
  if (!cur) throw new Error(`node ${uuid} disappeared`);
  return store.nodes.update(uuid, { driver_internal_info: { ...cur.driver_internal_info, [NETBOOT_KEY]: state } });
}

/** Tokens of the node's `driver_info.kernel_append_params` (Ironic's per-node extra parameters). */
function nodeAppend(node: NodeRecord): string[] {
  const v = node.driver_info?.kernel_append_params;
  return typeof v === "string" ? v.split(/\s+/).filter(Boolean) : [];
}

/**
 * Decides what a MAC boots: its node's RAM disk or local disk; a MAC of no node (or of a
 * node never prepared) is `unknown` / `local`.
 * @example
 * decideScript(store, "52:54:00:12:34:56"); // { kind: "ramdisk", node: "…", kernelParams: {...}, ... }
 */
export function decideScript(store: Store, mac: string): ScriptDecision {
  const port = store.ports.byAddress(mac);
  const node = port ? store.nodes.get(port.node_uuid) : null;
  if (!node) return { kind: "unknown", mac };
  const state = readNetboot(node);
  if (state?.boot === "ramdisk") {
    return { kind: "ramdisk", node: node.uuid, mac, kernelParams: state.kernel_params, requestId: state.request_id, nodeAppend: nodeAppend(node) };
  }
  return { kind: "local", node: node.uuid, bootMode: nodeBootMode(node) };
}
