/**
 * @module conductor/orchestration/recovery
 * At start: nodes a dead conductor was working on (transient states) move to the matching
 * failure state with a reason; nodes waiting for an agent keep waiting and resume on the
 * agent's next heartbeat, bounded by their timeouts; an interrupted power action is cleared.
 * Safe to run again (the conductor retries it while the store cannot be written): a node this
 * conductor is working on holds its lock and is left alone.
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
  // A power action cut short leaves its target behind, and the power sync skips such nodes.
  for (const node of ctx.store.nodes.list({ limit: 1_000_000 })) {
    if (!node.target_power_state || ctx.locks.holder(node.uuid)) continue;
    const reason = `The conductor restarted during a power action to '${node.target_power_state}'; the power state is unknown until the next sync.`;
    ctx.store.nodes.update(node.uuid, { target_power_state: null, last_error: reason });
    ctx.log.warn({ node: node.uuid, target_power_state: node.target_power_state }, "interrupted power action cleared");
  }
  return { failed };
}
