/**
 * @module conductor/orchestration/timeouts
 * The periodic sweep: a node waiting for its agent longer than the state's timeout (measured
 * from the later of its last transition and its last heartbeat) fails with a reason, and so
 * does a node an operation abandoned in a transient state (see `failOrphans`).
 */
import { S, WAIT_FAILURE } from "../state-machine/states.ts";
import { WIPE_AGENT } from "./agent-lifecycle.ts";
import { cleanFailureFields } from "./clean-failure.ts";
import type { ConductorContext } from "./context.ts";
import { failOrphans } from "./recovery.ts";
import { withoutRunKeys } from "./run-state.ts";

/** How long an unlocked node may sit in a transient state before the sweep fails it. */
export const ORPHAN_AFTER_MS = 60_000;

/**
 * Runs one sweep; returns the UUIDs it failed.
 * @example
 * setInterval(() => sweepTimeouts(ctx), config.timeouts.check_interval_s * 1000);
 */
export function sweepTimeouts(ctx: ConductorContext, now = Date.now()): string[] {
  const t = ctx.config.timeouts;
  const limits: Record<string, number> = {
    [S.DEPLOYWAIT]: t.deploy_callback_s,
    [S.CLEANWAIT]: t.clean_callback_s,
    [S.INSPECTWAIT]: t.inspect_wait_s,
    // Servicing runs steps like a clean, through the same agent: the same callback limit.
    [S.SERVICEWAIT]: t.clean_callback_s,
  };
  const failed: string[] = [];
  for (const node of ctx.store.nodes.listInStates(Object.keys(limits))) {
    const limit = limits[node.provision_state]!;
    const since = Math.max(node.provision_updated_at ?? 0, node.agent_last_heartbeat ?? 0);
    if (now - since < limit * 1000) continue;
    const release = ctx.locks.tryLock(node.uuid, "timeout");
    if (!release) continue;
    try {
      const heard = node.agent_last_heartbeat ? `last heartbeat ${Math.round((now - node.agent_last_heartbeat) / 1000)} s ago` : "no heartbeat received";
      const reason = `Timeout reached while waiting for callback for node ${node.uuid} in state "${node.provision_state}" (${limit} s; ${heard}).`;
      ctx.move(node.uuid, {
        from: node.provision_state,
        to: WAIT_FAILURE[node.provision_state as keyof typeof WAIT_FAILURE]!,
        reason,
        fields: {
          last_error: reason, target_provision_state: null, clean_step: null, deploy_step: null, service_step: null, ...WIPE_AGENT,
          driver_internal_info: withoutRunKeys(node.driver_internal_info, "clean", "deploy", "service"),
          // Ironic's clean-wait timeout goes through cleaning_error_handler: maintenance when a step was running.
          ...(node.provision_state === S.CLEANWAIT ? cleanFailureFields(node, reason) : {}),
        },
      });
      failed.push(node.uuid);
    } catch (e) {
      ctx.log.warn({ node: node.uuid, err: e }, "timeout sweep could not fail node");
    } finally {
      release();
    }
  }
  failed.push(...failOrphans(ctx, now, ORPHAN_AFTER_MS));
  return failed;
}
