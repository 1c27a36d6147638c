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
import type { NodeRecord } from "../store/node-record.ts";
import type { ConductorContext } from "./context.ts";

/**
 * Moves every node in a transient state that no task of this conductor holds to its failure
 * state. Every operation that enters a transient state holds the node's lock until it leaves
 * it, so an unlocked one was abandoned: by a dead conductor, or by a task whose write the
 * store refused. `only` narrows the nodes looked at.
 */
function failInterrupted(ctx: ConductorContext, reasonFor: (node: NodeRecord) => string, only: (node: NodeRecord) => boolean = () => true): string[] {
  const failed: string[] = [];
  for (const node of ctx.store.nodes.listInStates(Object.keys(TRANSIENT_FAILURE))) {
    if (!only(node)) continue;
    const to = TRANSIENT_FAILURE[node.provision_state as keyof typeof TRANSIENT_FAILURE]!;
    const release = ctx.locks.tryLock(node.uuid, "recovery");
    if (!release) continue;
    const reason = reasonFor(node);
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
  return failed;
}

/**
 * The periodic form of recovery: a node left in a transient state by a task that ended
 * without moving it on (its write refused by a locked or full store) is failed with a reason
 * once it has sat there unlocked for `minAgeMs`, instead of waiting for a restart.
 * @example
 * failOrphans(ctx, Date.now(), 60_000); // from the timeout sweep
 */
export function failOrphans(ctx: ConductorContext, now: number, minAgeMs: number): string[] {
  return failInterrupted(
    ctx,
    (node) => `Node ${node.uuid} was left in state "${node.provision_state}" by an operation that could not record its progress (the conductor's database refused a write); the operation was abandoned.`,
    (node) => now - (node.provision_updated_at ?? 0) >= minAgeMs,
  );
}

/**
 * @example
 * const { failed } = recoverNodes(ctx); // run once, before serving
 */
export function recoverNodes(ctx: ConductorContext): { failed: string[] } {
  const failed = failInterrupted(ctx, (node) => `The conductor restarted while node ${node.uuid} was in state "${node.provision_state}"; the operation was interrupted.`);
  // A power action cut short leaves its target behind, and the power sync skips such nodes.
  for (const node of ctx.store.nodes.list({ limit: 1_000_000 })) {
    if (!node.target_power_state || ctx.locks.holder(node.uuid)) continue;
    const reason = `The conductor restarted during a power action to '${node.target_power_state}'; the power state is unknown until the next sync.`;
    ctx.store.nodes.update(node.uuid, { target_power_state: null, last_error: reason });
    ctx.log.warn({ node: node.uuid, target_power_state: node.target_power_state }, "interrupted power action cleared");
  }
  return { failed };
}
