/**
 * @module conductor/drivers/redfish/reset-plan
 * Which `ComputerSystem.Reset` ResetTypes carry out a power action, given the system's
 * current state and the values it allows. Ironic maps power on -> `On`, power off ->
 * `ForceOff`, reboot -> `ForceRestart`, soft reboot -> `GracefulRestart`, soft power off ->
 * `GracefulShutdown`; when the BMC does not allow one, the nearest allowed equivalent is
 * used (`ForceOn`, `PushPowerButton`, `PowerCycle`), and a restart it cannot do in one step
 * becomes an off then an on. Asking for the state the system is already in needs no reset.
 */
import type { PowerAction, PowerState } from "../driver-contract.ts";

export type ResetType = "On" | "ForceOn" | "ForceOff" | "GracefulShutdown" | "GracefulRestart" | "ForceRestart" | "PowerCycle" | "PushPowerButton" | "Nmi";
/** Every ResetType this driver may send. */
export const RESET_TYPES: readonly ResetType[] = ["On", "ForceOn", "ForceOff", "GracefulShutdown", "GracefulRestart", "ForceRestart", "PowerCycle", "PushPowerButton", "Nmi"];

export interface ResetStep {
  resetType: ResetType;
  /** The power state this reset leads to: the driver waits for it before the next step. */
  waitFor: PowerState;
}

export type ResetPlan =
  | { kind: "steps"; steps: ResetStep[] }
  /** Already in the target state: nothing to send (writes are idempotent). */
  | { kind: "nothing" }
  | { kind: "unsupported"; what: string };

// Alternatives in order of preference, for one step.
const ON: ResetType[] = ["On", "ForceOn", "PushPowerButton"];
const FORCE_OFF: ResetType[] = ["ForceOff"];
// PushPowerButton is the ACPI button press: an orderly shutdown on a running OS.
const SOFT_OFF: ResetType[] = ["GracefulShutdown", "PushPowerButton"];

function pick(choices: ResetType[], allowed: readonly string[] | null): ResetType | null {
  return choices.find((c) => allowed === null || allowed.includes(c)) ?? null;
}

/**
 * The resets for `action` on a system in `current` state.
 * @example
 * planReset("power on", "power off", ["ForceOn", "ForceOff"]);
 * // { kind: "steps", steps: [{ resetType: "ForceOn", waitFor: "power on" }] }
 * planReset("rebooting", "power on", ["On", "ForceOff"]);
 * // { kind: "steps", steps: [{ resetType: "ForceOff", waitFor: "power off" }, { resetType: "On", waitFor: "power on" }] }
 */
export function planReset(action: PowerAction, current: PowerState, allowed: readonly string[] | null): ResetPlan {
  const unsupported = (wanted: ResetType[]): ResetPlan => ({
    kind: "unsupported",
    what: `"${action}": none of the ResetTypes ${wanted.join(", ")} is allowed (the system allows ${allowed?.length ? allowed.join(", ") : "none"})`,
  });
  const one = (choices: ResetType[], waitFor: PowerState): ResetPlan => {
    const r = pick(choices, allowed);
    return r ? { kind: "steps", steps: [{ resetType: r, waitFor }] } : unsupported(choices);
  };
  const offThenOn = (offChoices: ResetType[], restart: ResetType[]): ResetPlan => {
    const r = pick(restart, allowed);
    if (r) return { kind: "steps", steps: [{ resetType: r, waitFor: "power on" }] };
    const off = pick(offChoices, allowed);
    const on = pick(ON, allowed);
    if (!off || !on) return unsupported([...restart, ...offChoices]);
    return { kind: "steps", steps: [{ resetType: off, waitFor: "power off" }, { resetType: on, waitFor: "power on" }] };
  };

  switch (action) {
    case "power on":
      return current === "power on" ? { kind: "nothing" } : one(ON, "power on");
    case "power off":
      return current === "power off" ? { kind: "nothing" } : one(FORCE_OFF, "power off");
    case "soft power off":
      return current === "power off" ? { kind: "nothing" } : one(SOFT_OFF, "power off");
    case "rebooting":
      // Ironic's reboot of a node that is off is a power on.
      return current === "power off" ? one(ON, "power on") : offThenOn(FORCE_OFF, ["ForceRestart", "PowerCycle"]);
    case "soft rebooting":
      return current === "power off" ? one(ON, "power on") : offThenOn(SOFT_OFF, ["GracefulRestart"]);
  }
}
