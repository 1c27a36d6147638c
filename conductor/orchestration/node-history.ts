/**
 * @module conductor/orchestration/node-history
 * Writes one entry into a node's history from anywhere in the conductor (failures, power-state
 * corrections, maintenance changes; provision transitions write theirs in the transition
 * function). A history row that can't be written is logged, never fails the caller.
 */
import type { HistorySeverity } from "../store/history-store.ts";
import type { ConductorContext } from "./context.ts";

/**
 * @example
 * recordHistory(ctx, node.uuid, "ERROR", "monitoring", "power state read failed");
 */
export function recordHistory(ctx: Pick<ConductorContext, "store" | "log" | "hostname">, nodeUuid: string, severity: HistorySeverity, eventType: string, event: string, user: string | null = null): void {
  try {
    ctx.store.history.record({ node_uuid: nodeUuid, severity, event_type: eventType, event, conductor: ctx.hostname, user });
  } catch (e) {
    ctx.log.warn({ node: nodeUuid, err: (e as Error).message }, "could not record node history");
  }
}
