/**
 * @module conductor/orchestration/step-kinds
 * The provision states each kind of step run moves through (its driver_internal_info state:
 * `run-state.ts`).
 */
import type { StepKind } from "../../protocol/steps.ts";
import { S, type ProvisionState } from "../state-machine/states.ts";

export interface KindStates {
  active: ProvisionState;
  wait: ProvisionState;
  fail: ProvisionState;
  /** Where the run's `hold` step leaves it until `unhold`. */
  hold: ProvisionState;
}

export const KIND_STATES: Readonly<Record<StepKind, KindStates>> = Object.freeze({
  clean: { active: S.CLEANING, wait: S.CLEANWAIT, fail: S.CLEANFAIL, hold: S.CLEANHOLD },
  deploy: { active: S.DEPLOYING, wait: S.DEPLOYWAIT, fail: S.DEPLOYFAIL, hold: S.DEPLOYHOLD },
  service: { active: S.SERVICING, wait: S.SERVICEWAIT, fail: S.SERVICEFAIL, hold: S.SERVICEHOLD },
});

/** Which step run a provision state belongs to, if any. */
export function kindOf(state: string): StepKind | null {
  if (state === S.CLEANING || state === S.CLEANWAIT) return "clean";
  if (state === S.DEPLOYING || state === S.DEPLOYWAIT) return "deploy";
  if (state === S.SERVICING || state === S.SERVICEWAIT) return "service";
  return null;
}
