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

export const KIND_STATES: Readonly<Record<StepKind, KindStates>> = Object.freeze({
  clean: { active: S.CLEANING, wait: S.CLEANWAIT, fail: S.CLEANFAIL },
  deploy: { active: S.DEPLOYING, wait: S.DEPLOYWAIT, fail: S.DEPLOYFAIL },
  service: { active: S.SERVICING, wait: S.SERVICEWAIT, fail: S.SERVICEFAIL },
});

/** Which step run a provision state belongs to, if any. */
export function kindOf(state: string): StepKind | null {
  if (state === S.CLEANING || state === S.CLEANWAIT) return "clean";
  if (state === S.DEPLOYING || state === S.DEPLOYWAIT) return "deploy";
  if (state === S.SERVICING || state === S.SERVICEWAIT) return "service";
  return null;
}

const REBOOT_FLAGS: Readonly<Record<StepKind, string>> = Object.freeze({ clean: "cleaning_reboot", deploy: "deployment_reboot", service: "servicing_reboot" });

/**
 * The driver_internal_info flag set while the node reboots after a step that asked for it
 * (Ironic's names).
 * @example
 * rebootFlag("clean"); // "cleaning_reboot"
 */
export function rebootFlag(kind: StepKind): string {
  return REBOOT_FLAGS[kind];
}

/** driver_internal_info keys a step run owns (cleared when it ends). */
export function runKeys(kind: StepKind): string[] {
  return [`${kind}_steps`, `${kind}_step_index`, `agent_cached_${kind}_steps`, `${kind}_steps_requested`, rebootFlag(kind)];
}

/**
 * driver_internal_info without the keys of the given step runs.
 * @example
 * withoutRunKeys(node.driver_internal_info, "clean", "deploy");
 */
export function withoutRunKeys(dii: Record<string, unknown>, ...kinds: StepKind[]): Record<string, unknown> {
  const out = { ...dii };
  for (const kind of kinds) for (const k of runKeys(kind)) delete out[k];
  return out;
}
