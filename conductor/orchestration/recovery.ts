/**
 * @module conductor/orchestration/recovery
 * At start: nodes a dead conductor was working on (transient states) move to the matching
 * failure state with a reason; nodes waiting for an agent keep waiting and resume on the
 * agent's next heartbeat, bounded by their timeouts. Safe to run again (the conductor retries
 * it while the store cannot be written): a node this conductor is working on holds its lock
 * and is left alone.
 */
import { TRANSIENT_FAILURE } from "../state-machine/states.ts";
import { WIPE_AGENT } from "./agent-lifecycle.ts";
import type { ConductorContext } from "./context.ts";

/**
 * @example
 * const { failed } = recoverNodes(ctx); // run once, before serving
 */
export function recoverNodes(ctx: ConductorContext): { failed: string[] } {
  const failed: string[] = [];
  for (const node of ctx.store.nodes.listInStates(Object.keys(TRANSIENT_FAILURE))) {
    const to = TRANSIENT_FAILURE[node.provision_state as keyof typeof TRANSIENT_FAILURE]!;
    const reason = `The conductor restarted while node ${node.uuid} was in state "${node.provision_state}"; the operation was interrupted.`;
    const release = ctx.locks.tryLock(node.uuid, "recovery");
    if (!release) continue;
    try {
      ctx.move(node.uuid, {
        from: node.provision_state,
        to,
        reason,
        fields: { last_error: reason, target_provision_state: null, target_power_state: null, clean_step: null, deploy_step: null, ...WIPE_AGENT },
      });
    } finally {
      release();
    }
    failed.push(node.uuid);
  }
  return { failed };
}
