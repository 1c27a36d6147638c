/**
 * @module conductor/orchestration/clean-failure
 * A clean that fails while a step runs leaves the node in maintenance with fault
 * `clean failure`, as Ironic's `cleaning_error_handler` does: its disks may still hold the
 * previous tenant's data, so it must not be scheduled until an operator has looked at it
 * and cleared maintenance (`DELETE /v1/nodes/{id}/maintenance`).
 */
import type { NodeRecord } from "../store/node-record.ts";

/** Ironic's `faults.CLEAN_FAILURE`. */
export const CLEAN_FAILURE = "clean failure";

/**
 * The fields a failed clean adds: maintenance and the fault when a clean step was running
 * (a failure before any step, e.g. an unknown manual step, only fails the clean). An
 * existing maintenance reason is kept.
 * @example
 * ctx.move(uuid, { from, to: "clean failed", reason, fields: { last_error: reason, ...cleanFailureFields(node, reason) } });
 */
export function cleanFailureFields(node: NodeRecord, reason: string): Partial<NodeRecord> {
  if (!node.clean_step || Object.keys(node.clean_step).length === 0) return {};
  return { maintenance: true, fault: CLEAN_FAILURE, maintenance_reason: node.maintenance_reason || reason };
}
