/**
 * @module conductor/orchestration/step-kinds
 * The provision states each kind of step run moves through.
 */
import type { StepKind } from "../../protocol/steps.ts";
import { S, type ProvisionState } from "../state-machine/states.ts";

export interface KindStates {
  active: ProvisionState;
  wait: ProvisionState;
  fail: ProvisionState;
}

export const KIND_STATES: Readonly<Record<"clean" | "deploy", KindStates>> = Object.freeze({
  clean: { active: S.CLEANING, wait: S.CLEANWAIT, fail: S.CLEANFAIL },
  deploy: { active: S.DEPLOYING, wait: S.DEPLOYWAIT, fail: S.DEPLOYFAIL },
});

/** Which step run a provision state belongs to, if any. */
export function kindOf(state: string): Extract<StepKind, "clean" | "deploy"> | null {
  if (state === S.CLEANING || state === S.CLEANWAIT) return "clean";
  if (state === S.DEPLOYING || state === S.DEPLOYWAIT) return "deploy";
  return null;
}

/** driver_internal_info keys a step run owns (cleared when it ends). */
export function runKeys(kind: StepKind): string[] {
  return [`${kind}_steps`, `${kind}_step_index`, `agent_cached_${kind}_steps`, `${kind}_steps_requested`];
}
