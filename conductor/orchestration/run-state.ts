/**
 * @module conductor/orchestration/run-state
 * The state of a clean or deploy run, kept in the node's `driver_internal_info` under Ironic's
 * key names (the agent and operators read them there). This is the one place that names those
 * keys: the step runner, the provision verbs and the timeout sweep read and write a run
 * through the typed accessors here.
 */
import type { StepKind } from "../../protocol/steps.ts";
import type { Dict } from "../store/node-record.ts";
import type { AgentStep, PlannedStep } from "./step-plan.ts";

/** A step an operator asked for (`clean_steps` / `deploy_steps` of the provision request). */
export interface RequestedStep {
  interface: string;
  step: string;
  args?: Record<string, unknown>;
  priority?: number;
}

/** What a run holds between heartbeats. */
export interface RunState {
  /** The planned steps (`<kind>_steps`); undefined until the first heartbeat plans them. */
  plan: PlannedStep[] | undefined;
  /** Index of the step started last (`<kind>_step_index`); -1 before the first. */
  index: number;
  /** The agent's steps as it last reported them (`agent_cached_<kind>_steps`). */
  agentSteps: AgentStep[] | undefined;
  /** The operator's steps (`<kind>_steps_requested`); undefined for an automated run. */
  requested: RequestedStep[] | undefined;
  /** Set while the node reboots after a step that asked for it (`cleaning_reboot`, ...). */
  rebooting: boolean;
  /** The running agent step's last progress (`<kind>_progress`). */
  progress: Dict | undefined;
  /** The agent's hardware manager versions, sent back with every step (`hardware_manager_version`). */
  hardwareManagerVersion: unknown;
}

const REBOOT_FLAGS: Readonly<Record<StepKind, string>> = Object.freeze({
  clean: "cleaning_reboot",
  deploy: "deployment_reboot",
  service: "servicing_reboot",
});

/** The driver_internal_info key of each field of a run of `kind`. */
function keysOf(kind: StepKind): Readonly<Record<keyof RunState, string>> {
  return {
    plan: `${kind}_steps`,
    index: `${kind}_step_index`,
    agentSteps: `agent_cached_${kind}_steps`,
    requested: `${kind}_steps_requested`,
    rebooting: REBOOT_FLAGS[kind],
    progress: `${kind}_progress`,
    hardwareManagerVersion: "hardware_manager_version",
  };
}

/**
 * The driver_internal_info flag set while the node reboots after a step that asked for it
 * (Ironic's names).
 * @example
 * rebootFlag("clean"); // "cleaning_reboot"
 */
export function rebootFlag(kind: StepKind): string {
  return REBOOT_FLAGS[kind];
}

/**
 * Reads the run of `kind` from driver_internal_info.
 * @example
 * const run = readRun(node.driver_internal_info, "clean");
 * const current = run.plan?.[run.index];
 */
export function readRun(dii: Dict, kind: StepKind): RunState {
  const k = keysOf(kind);
  return {
    plan: dii[k.plan] as PlannedStep[] | undefined,
    index: Number(dii[k.index] ?? -1),
    agentSteps: dii[k.agentSteps] as AgentStep[] | undefined,
    requested: dii[k.requested] as RequestedStep[] | undefined,
    rebooting: Boolean(dii[k.rebooting]),
    progress: dii[k.progress] as Dict | undefined,
    hardwareManagerVersion: dii[k.hardwareManagerVersion],
  };
}

/**
 * A copy of driver_internal_info with `changes` written into the run of `kind`: a field set to
 * `undefined` (or `rebooting: false`) removes its key; fields not named are kept.
 * @example
 * store.nodes.update(uuid, { driver_internal_info: writeRun(dii, "deploy", { index: 0, progress: undefined }) });
 */
export function writeRun(dii: Dict, kind: StepKind, changes: { [F in keyof RunState]?: RunState[F] | undefined }): Dict {
  const k = keysOf(kind);
  const out = { ...dii };
  for (const [field, value] of Object.entries(changes) as [keyof RunState, unknown][]) {
    if (value === undefined || (field === "rebooting" && value === false)) delete out[k[field]];
    else out[k[field]] = value;
  }
  return out;
}

/**
 * driver_internal_info keys a run owns, cleared when it ends or a new one starts. The progress
 * of the last step and the hardware manager versions outlive the run (as before; they are
 * overwritten by the next run).
 * @example
 * runKeys("clean");
 * // ["clean_steps", "clean_step_index", "agent_cached_clean_steps", "clean_steps_requested", "cleaning_reboot"]
 */
export function runKeys(kind: StepKind): string[] {
  const k = keysOf(kind);
  return [k.plan, k.index, k.agentSteps, k.requested, k.rebooting];
}

/**
 * driver_internal_info without the keys of the given runs.
 * @example
 * withoutRunKeys(node.driver_internal_info, "clean", "deploy");
 */
export function withoutRunKeys(dii: Dict, ...kinds: StepKind[]): Dict {
  const out = { ...dii };
  for (const kind of kinds) for (const key of runKeys(kind)) delete out[key];
  return out;
}
