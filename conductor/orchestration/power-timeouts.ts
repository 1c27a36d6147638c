/**
 * @module conductor/orchestration/power-timeouts
 * How long a power action may take (the request's `timeout`, else the configured soft or hard
 * bound) and a guard for driver calls, so a driver that does not bound its own time (as the
 * contract asks) cannot hold a node's lock forever.
 */
import { conductorError } from "../errors.ts";
import type { PowerAction } from "../drivers/driver-contract.ts";
import type { NodeRecord } from "../store/node-record.ts";
import type { ConductorContext } from "./context.ts";

/** Grace beyond the action's timeout before giving up on a driver: its own bound (a command with retries, then the wait) comes first. */
const GUARD_GRACE_S = 60;

/** The action's time bound: the request's, else the configured soft or hard timeout. */
export function powerTimeoutS(ctx: ConductorContext, action: PowerAction, requested?: number | null): number {
  if (requested) return requested;
  return action.startsWith("soft ") ? ctx.config.power.soft_power_off_timeout_s : ctx.config.power.action_timeout_s;
}

/**
 * Runs `call` but fails with `BMC_TIMEOUT` after `seconds` + grace, for a driver that does
 * not bound its own time as the contract asks.
 * @example
 * await bounded(node, "power on", 60, () => driver.power.setPowerState(node, "power on"));
 */
export async function bounded<T>(node: NodeRecord, what: string, seconds: number, call: () => Promise<T>, graceS = GUARD_GRACE_S): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(conductorError("BMC_TIMEOUT", { driver: node.driver, bmc: `of node ${node.uuid}`, action: what, seconds: seconds + graceS })),
      (seconds + graceS) * 1000,
    );
  });
  try {
    return await Promise.race([call(), guard]);
  } finally {
    clearTimeout(timer);
  }
}

