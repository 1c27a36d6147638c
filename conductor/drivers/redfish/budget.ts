/**
 * @module conductor/drivers/redfish/budget
 * The time one driver call may take. Every HTTP request and every wait inside the call draws
 * on the same deadline, so a slow BMC makes the call fail with `BMC_TIMEOUT` instead of hanging.
 */
import { conductorError, type ConductorError } from "../../errors.ts";

export interface Budget {
  /** What the caller asked for, for the error: `power on`, `get power state`, ... */
  readonly action: string;
  /** The BMC's origin, for the error. */
  readonly bmc: string;
  readonly seconds: number;
  /** Milliseconds left (0 when spent). */
  remainingMs(): number;
  /** The BMC_TIMEOUT error for this budget. */
  timeout(): ConductorError;
}

/**
 * Starts a budget of `seconds` from now.
 * @example
 * const budget = createBudget("power on", "https://10.0.0.5", 60);
 * await fetch(url, { signal: AbortSignal.timeout(budget.remainingMs()) });
 */
export function createBudget(action: string, bmc: string, seconds: number): Budget {
  const deadline = Date.now() + seconds * 1000;
  return {
    action,
    bmc,
    seconds,
    remainingMs: () => Math.max(0, deadline - Date.now()),
    timeout: () => conductorError("BMC_TIMEOUT", { driver: "redfish", bmc, action, seconds: Math.round(seconds * 10) / 10 }),
  };
}

/** Sleeps `ms`, or what is left of the budget if less (the caller checks once more, then times out). */
export async function sleepWithin(budget: Budget, ms: number): Promise<void> {
  await Bun.sleep(Math.min(ms, budget.remainingMs()));
}
