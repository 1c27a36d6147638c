/**
 * @module conductor/orchestration/power-request
 * The operator's `PUT /v1/nodes/{id}/states/power`, checked as Ironic does (target, timeout,
 * cleaning, the node's lock, the driver's validation), answered at once and carried out in
 * the background by `nodePowerAction`.
 */
import { conductorError } from "../errors.ts";
import { POWER_ACTIONS, type PowerAction } from "../drivers/driver-contract.ts";
import { S } from "../state-machine/states.ts";
import type { NodeRecord } from "../store/node-record.ts";
import type { ConductorContext } from "./context.ts";
import { targetOf } from "../drivers/driver-contract.ts";
import { nodePowerAction } from "./power-action.ts";

export interface PowerRequest {
  target: string;
  /** Seconds; null/undefined: the configured bound. */
  timeout?: number | null;
}

/**
 * Validates and starts a power action. Throws catalogued errors: 404 unknown node, 400 bad
 * target/timeout or a node being cleaned or a driver that cannot work, 409 node locked.
 * @example
 * requestPower(ctx, "web-1", { target: "soft power off", timeout: 120 });
 */
export function requestPower(ctx: ConductorContext, ident: string, body: PowerRequest): NodeRecord {
  const node = ctx.store.nodes.find(ident);
  if (!node) throw conductorError("NODE_NOT_FOUND", { node: ident });
  if (body.timeout !== undefined && body.timeout !== null && body.timeout < 1) {
    throw conductorError("INVALID_PARAMETER", { reason: "timeout has to be positive integer" });
  }
  if (!POWER_ACTIONS.includes(body.target as PowerAction)) {
    throw conductorError("INVALID_STATE_REQUESTED", { action: body.target, node: ident, state: node.power_state ?? "None" });
  }
  // Ironic: "Don't change power state for nodes being cleaned".
  if (node.provision_state === S.CLEANING || node.provision_state === S.CLEANWAIT) {
    throw conductorError("INVALID_STATE_REQUESTED", { action: body.target, node: ident, state: node.provision_state });
  }
  const action = body.target as PowerAction;
  const release = ctx.locks.tryLock(node.uuid, "changing node power state");
  if (!release) throw conductorError("NODE_LOCKED", { node: node.uuid, host: ctx.hostname });
  let started: NodeRecord;
  try {
    const problem = ctx.drivers.get(node.driver).validate(node);
    if (problem) throw conductorError("INVALID_PARAMETER", { reason: problem });
    // Visible before the 202, as Ironic saves it before spawning the worker.
    started = ctx.store.nodes.update(node.uuid, { target_power_state: targetOf(action), last_error: null });
  } catch (e) {
    release();
    throw e;
  }
  ctx.log.info({ node: node.uuid, action, timeout_s: body.timeout ?? null }, "power action requested");
  ctx.background(`power ${node.uuid}`, async () => {
    try {
      await nodePowerAction(ctx, started, action, { timeoutS: body.timeout });
    } catch {
      // nodePowerAction recorded last_error and cleared the target.
    } finally {
      release();
    }
  });
  return started;
}
