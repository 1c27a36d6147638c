/**
 * @module conductor/orchestration/power-action
 * One power action on one node, as Ironic's `node_power_action`: skipped when the BMC says
 * the node is already there, `target_power_state` visible while it runs, `power_state`
 * recorded at the end, `last_error` with the driver's message on failure. Every driver call
 * is bounded (`power-timeouts.ts`), so a BMC that never answers cannot hold the lock forever.
 * The caller holds the node's lock.
 */
import { isTeethError } from "../../common/branded-error.ts";
import { targetOf, type PowerAction, type PowerState } from "../drivers/driver-contract.ts";
import { S } from "../state-machine/states.ts";
import type { NodeRecord } from "../store/node-record.ts";
import { WIPE_AGENT } from "./agent-lifecycle.ts";
import { hasPrestage, withoutPrestage } from "./prestage/prestage-record.ts";
import type { ConductorContext } from "./context.ts";
import { bounded, powerTimeoutS } from "./power-timeouts.ts";

const FAILURE_STATES = new Set<string>([S.DEPLOYFAIL, S.CLEANFAIL, S.INSPECTFAIL, S.ERROR]);

/** Whether the action stops the OS running on the node (its agent, if any, is gone after it). */
function stopsTheOs(action: PowerAction): boolean {
  return action !== "power on";
}

/** Text of anything a driver threw (catalogued errors carry the BMC's reason). */
export function errorText(e: unknown): string {
  return isTeethError(e) || e instanceof Error ? e.message : String(e);
}

/**
 * Performs `action` on `node` and records the outcome. Throws (after recording `last_error`)
 * when the driver fails. The caller holds the node's lock.
 * @example
 * node = await nodePowerAction(ctx, node, "soft power off", { timeoutS: 120 });
 * node.power_state; // "power off"
 */
export async function nodePowerAction(
  ctx: ConductorContext,
  node: NodeRecord,
  action: PowerAction,
  options: { timeoutS?: number | null } = {},
): Promise<NodeRecord> {
  const driver = ctx.drivers.get(node.driver);
  const timeoutS = powerTimeoutS(ctx, action, options.timeoutS);
  const target = targetOf(action);
  // The agent (and so what it remembers having pre-staged) does not survive the action.
  const wipe = stopsTheOs(action) ? { ...WIPE_AGENT, ...(hasPrestage(node.driver_internal_info) ? { driver_internal_info: withoutPrestage(node.driver_internal_info) } : {}) } : {};

  if (action === "power on" || action === "power off" || action === "soft power off") {
    let current: PowerState;
    try {
      current = await bounded(node, "get power state", ctx.config.power.action_timeout_s, () => driver.power.getPowerState(node));
    } catch (e) {
      const error = `Failed to change power state to '${action}': ${errorText(e)}`;
      ctx.store.nodes.update(node.uuid, { target_power_state: null, last_error: error });
      ctx.log.error({ node: node.uuid, action, err: e }, "power action failed");
      throw e;
    }
    if (current === target) {
      ctx.log.debug({ node: node.uuid, power_state: current }, "power state already as requested");
      return ctx.store.nodes.update(node.uuid, { power_state: current, target_power_state: null, last_error: null, ...wipe });
    }
  }

  node = ctx.store.nodes.update(node.uuid, {
    target_power_state: target,
    ...(FAILURE_STATES.has(node.provision_state) ? {} : { last_error: null }),
    ...wipe,
  });
  try {
    await bounded(node, action, timeoutS, () => driver.power.setPowerState(node, action, { timeoutS }));
  } catch (e) {
    const error = `Failed to change power state to '${target}' by '${action}': ${errorText(e)}`;
    ctx.store.nodes.update(node.uuid, { target_power_state: null, last_error: error });
    ctx.log.error({ node: node.uuid, action, err: e }, "power action failed");
    throw e;
  }
  ctx.log.info({ node: node.uuid, action, power_state: target }, "power action succeeded");
  return ctx.store.nodes.update(node.uuid, { power_state: target, target_power_state: null });
}
