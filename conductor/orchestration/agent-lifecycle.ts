/**
 * @module conductor/orchestration/agent-lifecycle
 * Booting a node into the agent ramdisk, powering it, and forgetting its agent (token, URL,
 * pinned certificate) when the ramdisk is torn down, so the next boot gets a fresh token.
 */
import { targetOf, type PowerAction } from "../drivers/driver-contract.ts";
import type { NodeRecord } from "../store/node-record.ts";
import { CLEAN_FAILURE } from "./clean-failure.ts";
import type { ConductorContext } from "./context.ts";
import { fastTrackVerdict, noteVerdict } from "./fast-track.ts";
import { bounded, powerTimeoutS } from "./power-timeouts.ts";

/** Fields that forget the node's agent. */
export const WIPE_AGENT: Partial<NodeRecord> = Object.freeze({
  agent_url: null,
  agent_token: null,
  agent_verify_ca: null,
  agent_version: null,
  agent_last_heartbeat: null,
});

/** Powers the node through its driver and records the new power state. */
export async function setPower(ctx: ConductorContext, node: NodeRecord, action: PowerAction): Promise<NodeRecord> {
  const driver = ctx.drivers.get(node.driver);
  ctx.store.nodes.update(node.uuid, { target_power_state: targetOf(action) });
  const timeoutS = powerTimeoutS(ctx, action);
  await bounded(node, action, timeoutS, () => driver.power.setPowerState(node, action, { timeoutS }));
  const state = await bounded(node, "get power state", ctx.config.power.action_timeout_s, () => driver.power.getPowerState(node));
  ctx.log.info({ node: node.uuid, action, power_state: state }, "power action");
  return ctx.store.nodes.update(node.uuid, { power_state: state, target_power_state: null });
}

/**
 * Makes the node boot the agent ramdisk: iPXE/kernel parameters, boot device PXE, power
 * cycle. With fast track and a live agent (`fast-track.ts`) the running agent is kept and
 * nothing is asked of the BMC but its power state; `operation` names the verb in the log and
 * the node's history, which also say why a known agent was given up.
 * @example
 * node = await bootRamdisk(ctx, node, "deploy");
 * if (node.agent_url) { ... } // the agent was reused: drive it now
 */
export async function bootRamdisk(ctx: ConductorContext, node: NodeRecord, operation = "this operation"): Promise<NodeRecord> {
  const verdict = await fastTrackVerdict(ctx, node);
  noteVerdict(ctx, node, operation, verdict);
  if (verdict.live) return node;
  node = ctx.store.nodes.update(node.uuid, { ...WIPE_AGENT });
  return powerCycleIntoRamdisk(ctx, node);
}

/**
 * Reboots the node back into the agent ramdisk after a step that asked for it (Ironic's
 * `reboot_to_finish_step`); with fast track the node is powered off first, so the agent
 * really restarts. The caller has already forgotten the old agent.
 * @example
 * node = await rebootIntoRamdisk(ctx, node); // fake-hardware records "power: rebooting"
 */
export async function rebootIntoRamdisk(ctx: ConductorContext, node: NodeRecord): Promise<NodeRecord> {
  if (ctx.config.agent.fast_track) node = await setPower(ctx, node, "power off");
  return powerCycleIntoRamdisk(ctx, node);
}

async function powerCycleIntoRamdisk(ctx: ConductorContext, node: NodeRecord): Promise<NodeRecord> {
  const driver = ctx.drivers.get(node.driver);
  await driver.boot.prepareRamdisk(node, { kernelParams: { "ipa-api-url": ctx.config.public_url } });
  await driver.management.setBootDevice(node, "pxe");
  const on = (await driver.power.getPowerState(node)) === "power on";
  return setPower(ctx, node, on ? "rebooting" : "power on");
}

/**
 * Powers the node off and cleans up the ramdisk boot (end of inspection/cleaning). A node
 * that failed cleaning (fault `clean failure`) keeps its power, as in Ironic, so an operator
 * can look at the ramdisk before anything is power-cycled.
 */
export async function tearDownRamdisk(ctx: ConductorContext, node: NodeRecord): Promise<NodeRecord> {
  if (ctx.config.agent.fast_track) return node;
  const driver = ctx.drivers.get(node.driver);
  if (node.fault !== CLEAN_FAILURE) node = await setPower(ctx, node, "power off");
  await driver.boot.cleanUpRamdisk(node);
  return ctx.store.nodes.update(node.uuid, { ...WIPE_AGENT });
}
