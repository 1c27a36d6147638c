/**
 * @module conductor/drivers/redfish/power
 * Power through `ComputerSystem.Reset`, at the action target the System resource names,
 * with a ResetType the system allows (reset-plan.ts), then a wait until `PowerState` reaches
 * the target (Ironic's `node_wait_for_power_state`), through a task monitor first when the
 * BMC answers 202. Every step is bounded: the request budget for reading and posting, the
 * power timeout (or the soft one) for the wait.
 */
import type { Logger } from "../../../common/logger.ts";
import { conductorError } from "../../errors.ts";
import type { PowerAction, PowerInterface, PowerState } from "../driver-contract.ts";
import { createBudget, sleepWithin, type Budget } from "./budget.ts";
import { httpError } from "./bmc-errors.ts";
import type { OpenConnection, RedfishConnection } from "./connection.ts";
import { planReset, RESET_TYPES, type ResetStep } from "./reset-plan.ts";
import { allowedResetTypes, readSystem, type SystemView } from "./system.ts";
import { awaitTask } from "./task-monitor.ts";

// Ironic's GET_POWER_STATE_MAP: a transition counts as where it is going.
const POWER_STATES: Record<string, PowerState> = { On: "power on", PoweringOn: "power on", Off: "power off", PoweringOff: "power off" };

export interface PowerSettings {
  requestTimeoutS: number;
  powerTimeoutS: number;
  softPowerTimeoutS: number;
  pollIntervalMs: number;
}

/** Ironic's power state for a Redfish `PowerState`; a BMC that reports none is an error. */
export function toPowerState(value: string | null | undefined, bmc: string): PowerState {
  const state = value ? POWER_STATES[value] : undefined;
  if (!state) throw conductorError("BMC_ERROR", { driver: "redfish", bmc, action: "get power state", reason: `the system reports PowerState ${JSON.stringify(value ?? null)}` });
  return state;
}

async function waitForPower(conn: RedfishConnection, systemId: string | null, want: PowerState, action: string, seconds: number, pollIntervalMs: number): Promise<void> {
  const budget = createBudget(action, conn.target.origin, seconds);
  let last: string | null | undefined = null;
  // Quick BMCs are seen soon, slow ones polled at the configured pace: 100 ms, doubling up to it.
  let interval = Math.min(100, pollIntervalMs);
  for (;;) {
    const { doc } = await readSystem(conn, systemId, budget);
    last = doc.PowerState;
    if (last && POWER_STATES[last] === want) return;
    if (budget.remainingMs() <= 0) break;
    await sleepWithin(budget, interval);
    interval = Math.min(interval * 2, pollIntervalMs);
    if (budget.remainingMs() <= 0) break;
  }
  throw conductorError("BMC_TIMEOUT", { driver: "redfish", bmc: conn.target.origin, action: `${action}: PowerState is still ${last ?? "unknown"}`, seconds });
}

/**
 * Creates the power interface.
 * @example
 * const power = createRedfishPower({ open, logger, settings });
 * await power.setPowerState(node, "power on"); // resolves once PowerState is On
 */
export function createRedfishPower(deps: { open: OpenConnection; logger: Logger; settings: PowerSettings }): PowerInterface {
  const s = deps.settings;
  return {
    async getPowerState(node) {
      const { conn, systemId } = deps.open(node);
      const { doc } = await readSystem(conn, systemId, createBudget("get power state", conn.target.origin, s.requestTimeoutS));
      return toPowerState(doc.PowerState, conn.target.origin);
    },

    async setPowerState(node, action: PowerAction, options = {}) {
      const { conn, systemId } = deps.open(node);
      const bmc = conn.target.origin;
      const soft = action === "soft power off" || action === "soft rebooting";
      const waitS = options.timeoutS ?? (soft ? s.softPowerTimeoutS : s.powerTimeoutS);
      const started = Date.now();
      const first = createBudget(action, bmc, s.requestTimeoutS);
      const system = await readSystem(conn, systemId, first);
      const current = toPowerState(system.doc.PowerState, bmc);
      const advertised = await allowedResetTypes(conn, system.doc, first);
      // A BMC that does not list its ResetTypes is taken to allow all (sushy); each one it then
      // refuses as unsupported is struck off and the plan made again, down the fallbacks.
      const refused: { type: string; error: Error }[] = [];
      for (;;) {
        const allowed = advertised ?? (refused.length ? RESET_TYPES.filter((t) => !refused.some((r) => r.type === t)) : null);
        const plan = planReset(action, current, allowed);
        if (plan.kind === "nothing") {
          deps.logger.debug({ node: node.uuid, bmc, action }, "redfish: already in the requested power state");
          return;
        }
        if (plan.kind === "unsupported") {
          if (refused.length) throw refused.at(-1)!.error;
          throw conductorError("BMC_UNSUPPORTED", { driver: "redfish", bmc, what: plan.what });
        }
        const outcome = await runSteps(plan.steps, refused.length === 0 ? { system, budget: first } : null, advertised === null);
        if (outcome === "done") {
          deps.logger.info({ node: node.uuid, bmc, action, resets: plan.steps.map((p) => p.resetType), ms: Date.now() - started }, "redfish power action done");
          return;
        }
        deps.logger.info({ node: node.uuid, bmc, action, refused: outcome.type }, "redfish: ResetType refused; trying the next one");
        refused.push(outcome);
      }

      /** Posts each reset and waits for its state; "refused" when the first one is refused as unsupported and may be replaced. */
      async function runSteps(steps: ResetStep[], fresh: { system: SystemView; budget: Budget } | null, mayReplace: boolean) {
        for (const [i, step] of steps.entries()) {
          const issue = i === 0 && fresh ? fresh.budget : createBudget(action, bmc, s.requestTimeoutS);
          const view = i === 0 && fresh ? fresh.system : await readSystem(conn, systemId, issue);
          const reset = view.doc.Actions?.["#ComputerSystem.Reset"];
          if (!reset) throw conductorError("BMC_UNSUPPORTED", { driver: "redfish", bmc, what: `"${action}": the system ${view.path} offers no #ComputerSystem.Reset action` });
          const r = await conn.request("POST", reset.target, issue, { body: { ResetType: step.resetType } });
          if (r.status < 200 || r.status >= 300) {
            const error = httpError(r.status, r.json, { bmc, action, what: `ResetType "${step.resetType}" for "${action}"`, secrets: [conn.target.password] });
            if (i === 0 && mayReplace && error.code === "BMC_UNSUPPORTED") return { type: step.resetType, error };
            throw error;
          }
          const location = r.headers.get("location");
          if (r.status === 202 && location) {
            await awaitTask(conn, location, createBudget(`${action} (task ${step.resetType})`, bmc, waitS), { pollIntervalMs: s.pollIntervalMs, logger: deps.logger });
          }
          await waitForPower(conn, systemId, step.waitFor, action, waitS, s.pollIntervalMs);
        }
        return "done" as const;
      }
    },
  };
}
