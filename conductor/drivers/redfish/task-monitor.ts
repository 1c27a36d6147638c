/**
 * @module conductor/drivers/redfish/task-monitor
 * Redfish's asynchronous operations: a request answered `202 Accepted` with a `Location`
 * (a TaskMonitor) is polled until it stops answering 202 (sushy's `TaskMonitor.wait`):
 * honouring `Retry-After`, bounded by the call's budget. A Task that ends in `Exception`,
 * `Killed`, `Cancelled` or `Interrupted` is a `BMC_ERROR` carrying its messages.
 */
import { z } from "zod";
import type { Logger } from "../../../common/logger.ts";
import { conductorError } from "../../errors.ts";
import { sleepWithin, type Budget } from "./budget.ts";
import { httpError, scrub } from "./bmc-errors.ts";
import type { RedfishConnection } from "./connection.ts";

const TaskSchema = z.looseObject({
  TaskState: z.string(),
  TaskStatus: z.string().nullish(),
  Messages: z.array(z.looseObject({ Message: z.string().nullish() })).nullish(),
});

const RUNNING = new Set(["New", "Starting", "Running", "Pending", "Suspended", "Stopping", "Service", "Cancelling"]);
const FAILED = new Set(["Exception", "Killed", "Cancelled", "Interrupted"]);
const MAX_RETRY_AFTER_MS = 10_000;

/** Milliseconds a `Retry-After` header asks for (seconds or an HTTP date), capped; null when absent. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const ms = /^\d+$/.test(header.trim()) ? Number(header.trim()) * 1000 : Date.parse(header) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : null;
}

/**
 * Polls the task monitor at `location` until the operation is done.
 * @example
 * if (r.status === 202 && r.headers.get("location")) await awaitTask(conn, r.headers.get("location")!, budget, { pollIntervalMs: 1000, logger });
 */
export async function awaitTask(
  conn: RedfishConnection,
  location: string,
  budget: Budget,
  options: { pollIntervalMs: number; logger: Logger },
): Promise<void> {
  const bmc = conn.target.origin;
  for (;;) {
    const r = await conn.request("GET", location, budget);
    const task = TaskSchema.safeParse(r.json);
    const state = task.success ? task.data.TaskState : null;
    if (task.success && state && FAILED.has(state)) {
      const msgs = (task.data.Messages ?? []).map((m) => m.Message).filter((m): m is string => !!m);
      throw conductorError("BMC_ERROR", {
        driver: "redfish",
        bmc,
        action: budget.action,
        reason: scrub(`task ended ${state}${msgs.length ? `: ${msgs.join("; ")}` : ""}`, [conn.target.password]),
      });
    }
    const running = r.status === 202 || (r.status === 200 && state !== null && RUNNING.has(state));
    if (!running) {
      if (r.status === 404) {
        // The monitor is gone (another client read the result): the caller's state check decides.
        options.logger.warn({ bmc, path: new URL(location, bmc).pathname }, "redfish task monitor disappeared");
        return;
      }
      if (r.status >= 300) throw httpError(r.status, r.json, { bmc, action: budget.action, secrets: [conn.target.password] });
      return;
    }
    if (budget.remainingMs() <= 0) throw budget.timeout();
    await sleepWithin(budget, retryAfterMs(r.headers.get("retry-after")) ?? options.pollIntervalMs);
    if (budget.remainingMs() <= 0) throw budget.timeout();
  }
}
