/**
 * @module conductor/orchestration/step-plan
 * Merges the agent's advertised steps with the conductor's own into the ordered list a clean
 * or deploy runs, as Ironic does: automated cleaning runs steps with priority > 0 (with the
 * conductor's priority overrides), manual cleaning runs the operator's list as given, and a
 * deploy runs `write_image` plus the conductor's finishing steps, as the operator's
 * `deploy_steps` and the matching deploy templates change them, highest priority first.
 */
import type { ConductorConfig } from "../config/schema.ts";
import type { StepKind } from "../../protocol/steps.ts";
import { pythonRepr } from "../../common/python-repr.ts";

export interface PlannedStep {
  interface: string;
  step: string;
  args: Record<string, unknown>;
  priority: number;
  /** true: sent to the agent as execute_<kind>_step; false: run by the conductor. */
  agent: boolean;
  reboot_requested?: boolean;
  abortable?: boolean;
}

export interface AgentStep {
  step: string;
  interface: string;
  priority: number;
  reboot_requested?: boolean;
  abortable?: boolean;
}

/** The conductor's own deploy steps (Ironic's direct deploy interface). */
export const CONDUCTOR_DEPLOY_STEPS: readonly PlannedStep[] = [
  { interface: "deploy", step: "write_image", args: {}, priority: 80, agent: true },
  { interface: "deploy", step: "prepare_instance_boot", args: {}, priority: 60, agent: false },
  { interface: "deploy", step: "tear_down_agent", args: {}, priority: 40, agent: false },
  { interface: "deploy", step: "boot_instance", args: {}, priority: 20, agent: false },
];

/**
 * Ironic's reserved step name `hold` (any interface): the conductor pauses the run in
 * `clean hold`/`deploy hold`/`service hold` until `unhold`; no agent offers it.
 */
export const HOLD_STEP = "hold";

/** The planned form of a requested `hold` step. */
function holdStep(r: { interface: string; args?: Record<string, unknown>; priority?: number }): PlannedStep {
  return { interface: r.interface, step: HOLD_STEP, args: r.args ?? {}, priority: r.priority ?? 0, agent: false };
}

/** Flattens IPA's `{"<kind>_steps": {"<Manager>": [step...]}}` result. */
export function flattenAgentSteps(result: unknown, kind: StepKind): AgentStep[] {
  const byManager = (result as Record<string, unknown> | null)?.[`${kind}_steps`];
  if (!byManager || typeof byManager !== "object") return [];
  const out: AgentStep[] = [];
  const seen = new Set<string>();
  for (const steps of Object.values(byManager as Record<string, unknown>)) {
    if (!Array.isArray(steps)) continue;
    for (const s of steps as AgentStep[]) {
      if (!s || typeof s.step !== "string" || typeof s.interface !== "string") continue;
      const key = `${s.interface}.${s.step}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ ...s, priority: Number(s.priority) || 0 });
    }
  }
  return out;
}

function sortByPriority(steps: PlannedStep[]): PlannedStep[] {
  return steps
    .map((s, i) => ({ s, i }))
    .sort((a, b) => b.s.priority - a.s.priority || a.i - b.i)
    .map(({ s }) => s);
}

export type PlanResult = { ok: true; steps: PlannedStep[] } | { ok: false; reason: string };

/**
 * Plans a clean (automated when `manual` is undefined).
 * @example
 * planClean(agentSteps, config.cleaning); // [{ step: "erase_devices_metadata", priority: 99, ... }, ...]
 */
export function planClean(
  agentSteps: readonly AgentStep[],
  cleaning: ConductorConfig["cleaning"],
  manual?: readonly { interface: string; step: string; args?: Record<string, unknown> }[],
): PlanResult {
  if (manual) {
    const out: PlannedStep[] = [];
    for (const m of manual) {
      if (m.step === HOLD_STEP) {
        out.push(holdStep(m));
        continue;
      }
      const a = agentSteps.find((s) => s.step === m.step && s.interface === m.interface);
      if (!a) return { ok: false, reason: `Clean step ${m.interface}.${m.step} is not supported by the agent on this node.` };
      out.push({ interface: m.interface, step: m.step, args: m.args ?? {}, priority: a.priority, agent: true, reboot_requested: a.reboot_requested, abortable: a.abortable });
    }
    return { ok: true, steps: out };
  }
  const overrides: Record<string, number | null> = {
    erase_devices: cleaning.erase_devices_priority,
    erase_devices_metadata: cleaning.erase_devices_metadata_priority,
  };
  const steps = agentSteps
    .map((s) => ({ ...s, priority: cleaning.step_priority_override[`${s.interface}.${s.step}`] ?? overrides[s.step] ?? s.priority }))
    .filter((s) => s.priority > 0)
    .map((s) => ({ interface: s.interface, step: s.step, args: {}, priority: s.priority, agent: true, reboot_requested: s.reboot_requested, abortable: s.abortable }));
  return { ok: true, steps: sortByPriority(steps) };
}

/** A deploy step as an operator or a deploy template asks for it. */
export interface RequestedStep {
  interface: string;
  step: string;
  args?: Record<string, unknown>;
  priority?: number;
}

/** The deploy templates matching the node's instance traits, and their steps in template order. */
export interface TemplateSteps {
  names: readonly string[];
  steps: readonly RequestedStep[];
}

const key = (s: { interface: string; step: string }) => `${s.interface}.${s.step}`;

/**
 * Plans a deploy as Ironic's `_get_all_deployment_steps`: the driver's steps (`write_image`,
 * the conductor's finishing steps, any agent deploy step with priority > 0), where a step the
 * operator's `deploy_steps` or a matching deploy template names is replaced by that request
 * (its args, and its priority: 0 disables the step); the operator's request wins over a
 * template's. Every requested step must be one the node offers.
 * @example
 * planDeploy(agentSteps, []); // write_image, prepare_instance_boot, tear_down_agent, boot_instance
 * planDeploy(agentSteps, [], { names: ["CUSTOM_RAID"], steps: [{ interface: "raid", step: "create_configuration", args: {}, priority: 90 }] });
 */
export function planDeploy(agentSteps: readonly AgentStep[], requested: readonly RequestedStep[] = [], templates: TemplateSteps = { names: [], steps: [] }): PlanResult {
  if (!agentSteps.some((s) => s.step === "write_image")) {
    return { ok: false, reason: "The agent does not offer the deploy step write_image." };
  }
  const driver: PlannedStep[] = CONDUCTOR_DEPLOY_STEPS.map((s) => ({ ...s }));
  for (const a of agentSteps) {
    if (a.priority > 0 && !driver.some((s) => key(s) === key(a))) {
      driver.push({ interface: a.interface, step: a.step, args: {}, priority: a.priority, agent: true, reboot_requested: a.reboot_requested, abortable: a.abortable });
    }
  }
  /** The node's own step of that name (conductor's or agent's, enabled or not). */
  const offered = (r: RequestedStep): PlannedStep | null => {
    if (r.step === HOLD_STEP) return holdStep(r);
    const own = CONDUCTOR_DEPLOY_STEPS.find((s) => key(s) === key(r));
    if (own) return { ...own };
    const a = agentSteps.find((s) => key(s) === key(r));
    return a ? { interface: a.interface, step: a.step, args: {}, priority: a.priority, agent: true, reboot_requested: a.reboot_requested, abortable: a.abortable } : null;
  };
  const chosen = (r: RequestedStep, base: PlannedStep): PlannedStep => ({ ...base, args: r.args ?? {}, priority: r.priority ?? base.priority });

  const user: PlannedStep[] = [];
  for (const r of requested) {
    const base = offered(r);
    if (!base) return { ok: false, reason: `Deploy step ${r.interface}.${r.step} is not supported by the agent on this node.` };
    user.push(chosen(r, base));
  }
  if (templates.steps.length) {
    const prefix = `Validation of deploy steps from deploy templates matching this node's instance traits failed. Matching deploy templates: ${templates.names.join(",")}. Errors: `;
    const errors: string[] = [];
    const fromTemplates: PlannedStep[] = [];
    for (const r of templates.steps) {
      const base = offered(r);
      if (!base) errors.push(`node does not support this deploy step: ${pythonRepr(r)}`);
      else fromTemplates.push(chosen(r, base));
    }
    const seen = new Map<string, number>();
    for (const t of fromTemplates) seen.set(key(t), (seen.get(key(t)) ?? 0) + 1);
    const dups = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
    if (dups.length) errors.push(`deploy steps from all deploy templates matching this node's instance traits cannot have the same interface and step. Duplicate deploy steps for ${dups.join(", ")}`);
    if (errors.length) return { ok: false, reason: prefix + errors.join("; ") };
    const userKeys = new Set(user.map(key));
    user.push(...fromTemplates.filter((t) => !userKeys.has(key(t))));
  }
  const overridden = new Set(user.map(key));
  const steps = [...driver.filter((s) => !overridden.has(key(s))), ...user.filter((s) => s.priority > 0)];
  return { ok: true, steps: sortByPriority(steps) };
}
