/**
 * @module conductor/orchestration/step-runner
 * Runs a clean or deploy as Ironic's agent interfaces do, driven by heartbeats (and by a
 * short poll while an agent step runs, for progress): first heartbeat fetches and plans the
 * steps, then each agent step is sent as `execute_<kind>_step` and its result read back from
 * `GET /v1/commands/`; conductor steps run inline; the run ends in the target state or the
 * matching failure state with a reason.
 */
import type { CommandResult } from "../../protocol/agent-commands.ts";
import type { StepKind } from "../../protocol/steps.ts";
import { isTeethError } from "../../common/branded-error.ts";
import { agentText } from "../agent-client/client.ts";
import type { NodeRecord } from "../store/node-record.ts";
import { isStoreFault } from "../store/store-fault.ts";
import { agentParams } from "./agent-params.ts";
import type { ConductorContext } from "./context.ts";
import { runConductorStep } from "./conductor-steps.ts";
import { deployTemplateSteps } from "./deploy-templates.ts";
import { readRun, withoutRunKeys, writeRun } from "./run-state.ts";
import { KIND_STATES, kindOf } from "./step-kinds.ts";
import { flattenAgentSteps, HOLD_STEP, planClean, planDeploy, type PlannedStep } from "./step-plan.ts";
import { rebootIntoRamdisk, setPower, tearDownRamdisk, WIPE_AGENT } from "./agent-lifecycle.ts";
import { cleanFailureFields } from "./clean-failure.ts";
import { S } from "../state-machine/states.ts";
import type { ImageInfo } from "../../protocol/image-info.ts";
import { recordHistory } from "./node-history.ts";
import { checksumKey, readPrestage, withoutPrestage } from "./prestage/prestage-record.ts";

type Kind = StepKind;
export type StepOutcome = "running" | "done" | "failed" | "idle";

function describeError(r: CommandResult): string {
  const e = r.command_error;
  if (!e) return `${r.command_name} ended with status ${r.command_status}`;
  const details = typeof e.details === "string" && e.details ? `: ${e.details}` : "";
  return agentText(`${e.message}${details}`, 1000);
}

/** Moves a wait state to its active state (the conductor is working on the node again). */
function ensureActive(ctx: ConductorContext, node: NodeRecord, kind: Kind, reason: string): NodeRecord {
  const k = KIND_STATES[kind];
  if (node.provision_state === k.wait) return ctx.move(node.uuid, { from: k.wait, to: k.active, reason });
  return node;
}

/**
 * Fails the run: the node lands in `clean failed`/`deploy failed` with `last_error`.
 * @example
 * failRun(ctx, node, "deploy", "Agent returned error for deploy step write_image: checksum mismatch");
 */
export async function failRun(ctx: ConductorContext, node: NodeRecord, kind: Kind, reason: string): Promise<NodeRecord> {
  const k = KIND_STATES[kind];
  node = ctx.store.nodes.get(node.uuid) ?? node;
  const from = node.provision_state;
  if (from !== k.active && from !== k.wait) return node;
  const failed = ctx.move(node.uuid, {
    from,
    to: k.fail,
    reason,
    fields: {
      last_error: reason,
      target_provision_state: null,
      [`${kind}_step`]: null,
      driver_internal_info: withoutPrestage(withoutRunKeys(node.driver_internal_info, kind)),
      ...WIPE_AGENT,
      ...(kind === "clean" ? cleanFailureFields(node, reason) : {}),
    },
  });
  if (kind === "clean") {
    // Ironic powers a node off when cleaning fails; a failed deploy keeps its power state.
    try {
      return await tearDownRamdisk(ctx, failed);
    } catch (e) {
      ctx.log.warn({ node: node.uuid, err: e }, "power off after clean failure failed");
    }
  }
  return ctx.store.nodes.get(node.uuid) ?? failed;
}

async function finishRun(ctx: ConductorContext, node: NodeRecord, kind: Kind): Promise<StepOutcome> {
  const k = KIND_STATES[kind];
  node = ensureActive(ctx, node, kind, `all ${kind} steps done`);
  const dii = withoutRunKeys(node.driver_internal_info, kind);
  if (kind === "clean") {
    node = await tearDownRamdisk(ctx, node);
    const to = node.target_provision_state === S.MANAGEABLE ? S.MANAGEABLE : S.AVAILABLE;
    ctx.move(node.uuid, {
      from: k.active,
      to,
      reason: "cleaning finished",
      fields: { target_provision_state: null, clean_step: null, driver_internal_info: dii, last_error: null },
    });
  } else if (kind === "service") {
    // Back to the instance (Ironic's tear_down_service): ramdisk off, boot from disk, power on.
    node = await tearDownRamdisk(ctx, node);
    await ctx.drivers.get(node.driver).boot.prepareInstance(node);
    node = await setPower(ctx, node, "power on");
    ctx.move(node.uuid, {
      from: k.active,
      to: S.ACTIVE,
      reason: "servicing finished",
      fields: { target_provision_state: null, service_step: null, driver_internal_info: dii, last_error: null, ...WIPE_AGENT },
    });
  } else {
    await ctx.drivers.get(node.driver).boot.cleanUpRamdisk(node);
    ctx.move(node.uuid, {
      from: k.active,
      to: S.ACTIVE,
      reason: "deploy finished",
      // The disk is the tenant's now: nothing of it is "pre-staged" any more.
      fields: { target_provision_state: null, deploy_step: null, driver_internal_info: withoutPrestage(dii), last_error: null, ...WIPE_AGENT },
    });
  }
  return "done";
}

async function stepRequest(ctx: ConductorContext, node: NodeRecord, step: PlannedStep): Promise<Record<string, unknown>> {
  const args = { ...step.args };
  if (step.step === "write_image") {
    const info = await ctx.images.imageInfo(node);
    args.image_info = info;
    args.configdrive = node.instance_info.configdrive ?? null;
    notePrestaged(ctx, node, info);
  }
  return {
    interface: step.interface,
    step: step.step,
    args,
    priority: step.priority,
    reboot_requested: step.reboot_requested ?? false,
    abortable: step.abortable ?? false,
  };
}

/**
 * Says in the node's history whether the deploy's image is the one pre-staged on it (the
 * agent, which remembers what it cached and checks the disk still holds it, then writes only
 * the config drive) or another one (written as usual).
 */
function notePrestaged(ctx: ConductorContext, node: NodeRecord, info: ImageInfo): void {
  const { staged } = readPrestage(node.driver_internal_info);
  if (!staged) return;
  const same = staged.checksum === checksumKey(info);
  const event = same
    ? `Deploy of the pre-staged image ${staged.source} (${staged.checksum}): the agent writes only the config drive.`
    : `Deploy of another image than the pre-staged ${staged.source}: the image is written as usual.`;
  recordHistory(ctx, node.uuid, "INFO", "deploy", event);
  ctx.log.info({ node: node.uuid, prestaged: staged.checksum, image: checksumKey(info), event: "prestage_used" }, event);
}

/** Starts steps from index+1 until one runs asynchronously on the agent or the run ends. */
async function advance(ctx: ConductorContext, node: NodeRecord, kind: Kind): Promise<StepOutcome> {
  const k = KIND_STATES[kind];
  node = ensureActive(ctx, node, kind, `continuing ${kind} steps`);
  for (;;) {
    const dii = node.driver_internal_info;
    const run = readRun(dii, kind);
    const plan = run.plan ?? [];
    const idx = run.index + 1;
    if (idx >= plan.length) return finishRun(ctx, node, kind);
    const step = plan[idx]!;
    node = ctx.store.nodes.update(node.uuid, {
      driver_internal_info: writeRun(dii, kind, { index: idx, progress: undefined }),
      [`${kind}_step`]: { interface: step.interface, step: step.step, args: step.args, priority: step.priority },
    });
    ctx.log.info({ node: node.uuid, kind, step: step.step, index: idx, agent: step.agent }, "starting step");
    if (step.step === HOLD_STEP) {
      // Ironic's reserved `hold` step: the run pauses (no timeout) until the operator's unhold.
      ctx.move(node.uuid, { from: k.active, to: k.hold, reason: `${kind} step ${step.interface}.hold: held until unhold` });
      return "running";
    }
    if (!step.agent) {
      await runConductorStep(ctx, node, step);
      node = ctx.store.nodes.get(node.uuid)!;
      continue;
    }
    const params = {
      step: await stepRequest(ctx, node, step),
      ...agentParams(ctx, node),
      [`${kind}_version`]: run.hardwareManagerVersion ?? null,
    };
    let r: CommandResult;
    try {
      r = await ctx.agent.execute(node, `${kind}.execute_${kind}_step`, params);
    } catch (e) {
      if (isTeethError(e) && e.code === "AGENT_BUSY") {
        ctx.move(node.uuid, { from: k.active, to: k.wait, reason: "agent busy; retrying on next heartbeat" });
        return "running";
      }
      throw e;
    }
    const outcome = await onResult(ctx, node, kind, step, r);
    if (outcome !== "next") return outcome;
    node = ctx.store.nodes.get(node.uuid)!;
  }
}

/** The agent's own account of write_image (what it wrote, how many bytes) in the node's history. */
function noteWritten(ctx: ConductorContext, uuid: string, r: CommandResult): void {
  const res = ((r.command_result as Record<string, unknown> | null)?.deploy_result ?? null) as Record<string, unknown> | null;
  if (!res || typeof res.message !== "string") return;
  const bytes = typeof res.bytes_written === "number" ? ` (${res.bytes_written} bytes written)` : "";
  recordHistory(ctx, uuid, "INFO", "deploy", agentText(`write_image: ${res.message}${bytes}`, 1000));
}

async function onResult(
  ctx: ConductorContext,
  node: NodeRecord,
  kind: Kind,
  step: PlannedStep,
  r: CommandResult,
): Promise<StepOutcome | "next"> {
  const k = KIND_STATES[kind];
  switch (r.command_status) {
    case "RUNNING":
      if (node.provision_state === k.active) {
        ctx.move(node.uuid, { from: k.active, to: k.wait, reason: `waiting for agent step ${step.step}` });
      }
      saveProgress(ctx, node.uuid, kind, step, r);
      ctx.schedulePoll(node.uuid);
      return "running";
    case "SUCCEEDED":
      ctx.log.info({ node: node.uuid, kind, step: step.step }, "step succeeded");
      if (step.step === "write_image") noteWritten(ctx, node.uuid, r);
      if (step.reboot_requested) return rebootAfterStep(ctx, node.uuid, kind, step);
      return "next";
    case "CLEAN_VERSION_MISMATCH": {
      // The agent's hardware managers changed: re-plan from its current steps, as Ironic.
      node = ensureActive(ctx, node, kind, "hardware manager version mismatch; re-planning steps");
      const forgotten = writeRun(node.driver_internal_info, kind, { plan: undefined, index: undefined });
      ctx.store.nodes.update(node.uuid, { driver_internal_info: forgotten });
      return planAndStart(ctx, ctx.store.nodes.get(node.uuid)!, kind);
    }
    default:
      const reason = `Agent returned error for ${kind} step ${step.step}: ${describeError(r)}`;
      await failRun(ctx, ctx.store.nodes.get(node.uuid)!, kind, reason);
      return "failed";
  }
}

/**
 * A finished step asked for a reboot (Ironic's `_post_step_reboot`): forget the agent (token,
 * URL, certificate: the rebooted ramdisk looks up afresh), mark `cleaning_reboot` /
 * `deployment_reboot`, wait, and power-cycle the node into the ramdisk. The next heartbeat
 * continues with the following step.
 */
async function rebootAfterStep(ctx: ConductorContext, uuid: string, kind: Kind, step: PlannedStep): Promise<StepOutcome> {
  const k = KIND_STATES[kind];
  let node = ctx.store.nodes.get(uuid)!;
  const dii = writeRun(node.driver_internal_info, kind, { agentSteps: undefined, progress: undefined, rebooting: true });
  const fields: Partial<NodeRecord> = { ...WIPE_AGENT, driver_internal_info: dii };
  const reason = `${kind} step ${step.step} requested a reboot`;
  node = node.provision_state === k.active
    ? ctx.move(uuid, { from: k.active, to: k.wait, reason, fields })
    : ctx.store.nodes.update(uuid, { ...fields, provision_updated_at: Date.now() }, k.wait);
  ctx.log.info({ node: uuid, kind, step: step.step }, "rebooting the node into the ramdisk after the step");
  try {
    await rebootIntoRamdisk(ctx, node);
  } catch (e) {
    const err = isTeethError(e) ? e.message : (e as Error).message;
    await failRun(ctx, node, kind, `Reboot requested by ${kind} step ${step.step} failed for node ${uuid}: ${err}`);
    return "failed";
  }
  return "running";
}

/**
 * The first heartbeat after a step's reboot: the step is done, so refresh the agent's steps
 * (its hardware manager versions may have changed, e.g. after a firmware update) and start
 * the next step; the finished one is never sent again.
 */
async function resumeAfterReboot(ctx: ConductorContext, node: NodeRecord, kind: Kind): Promise<StepOutcome> {
  const commands = await ctx.agent.listCommands(node);
  const fresh = commands.every((c) => c.command_name === `get_${kind}_steps`);
  if (!fresh) {
    const msg = "the agent after the reboot is not freshly booted; continuing with the next step";
    ctx.log.warn({ node: node.uuid, kind, commands: commands.length }, msg);
  }
  node = ensureActive(ctx, node, kind, `agent is back after the reboot; continuing ${kind} steps`);
  const r = await stepsOrWait(ctx, node, kind);
  if (!r) return "running";
  if (r.command_status !== "SUCCEEDED") {
    await failRun(ctx, node, kind, `Agent failed to return ${kind} steps after the reboot: ${describeError(r)}`);
    return "failed";
  }
  const hwm = (r.command_result as Record<string, unknown> | null)?.hardware_manager_version ?? null;
  node = ctx.store.nodes.update(node.uuid, {
    driver_internal_info: writeRun(node.driver_internal_info, kind, {
      rebooting: false,
      agentSteps: flattenAgentSteps(r.command_result, kind),
      hardwareManagerVersion: hwm,
    }),
  });
  return advance(ctx, node, kind);
}

function saveProgress(ctx: ConductorContext, uuid: string, kind: Kind, step: PlannedStep, r: CommandResult): void {
  const result = r.command_result && typeof r.command_result === "object" ? (r.command_result as Record<string, unknown>) : {};
  const node = ctx.store.nodes.get(uuid);
  if (!node) return;
  const reported = result.progress && typeof result.progress === "object" ? (result.progress as object) : result;
  const progress = { step: step.step, ...reported, updated_at: new Date().toISOString() };
  ctx.store.nodes.update(uuid, { driver_internal_info: writeRun(node.driver_internal_info, kind, { progress }) });
}

/**
 * Asks the agent for its steps; null when it is busy with a command of its own (a fast-track
 * agent may still be pre-staging an image): the node waits, and the agent's heartbeat at the
 * end of that command (or the next poll) asks again.
 */
async function stepsOrWait(ctx: ConductorContext, node: NodeRecord, kind: Kind): Promise<CommandResult | null> {
  try {
    return await ctx.agent.execute(node, `${kind}.get_${kind}_steps`, agentParams(ctx, node), { wait: true });
  } catch (e) {
    if (!(isTeethError(e) && e.code === "AGENT_BUSY")) throw e;
    const k = KIND_STATES[kind];
    const current = ctx.store.nodes.get(node.uuid) ?? node;
    if (current.provision_state === k.active) ctx.move(node.uuid, { from: k.active, to: k.wait, reason: "agent busy with another command; waiting for it" });
    ctx.log.info({ node: node.uuid, kind }, "agent busy with another command; its steps are asked for again when it is done");
    ctx.schedulePoll(node.uuid);
    return null;
  }
}

async function planAndStart(ctx: ConductorContext, node: NodeRecord, kind: Kind): Promise<StepOutcome> {
  node = ensureActive(ctx, node, kind, `agent is up; planning ${kind} steps`);
  const r = await stepsOrWait(ctx, node, kind);
  if (!r) return "running";
  if (r.command_status !== "SUCCEEDED") {
    await failRun(ctx, node, kind, `Agent failed to return ${kind} steps: ${describeError(r)}`);
    return "failed";
  }
  const agentSteps = flattenAgentSteps(r.command_result, kind);
  const { requested } = readRun(node.driver_internal_info, kind);
  // Service runs exactly the operator's steps, checked against the agent's, as a manual clean.
  // Deploy templates are read now, not at the request: Ironic too uses the templates as they are when the steps are planned.
  const plan = kind === "deploy" ? planDeploy(agentSteps, requested ?? [], deployTemplateSteps(ctx, node)) : planClean(agentSteps, ctx.config.cleaning, kind === "service" ? (requested ?? []) : requested);
  if (!plan.ok && kind === "service") plan.reason = plan.reason.replace(/^Clean step/, "Service step");
  if (!plan.ok) {
    await failRun(ctx, node, kind, plan.reason);
    return "failed";
  }
  const hwm = (r.command_result as Record<string, unknown> | null)?.hardware_manager_version ?? null;
  node = ctx.store.nodes.update(node.uuid, {
    driver_internal_info: writeRun(node.driver_internal_info, kind, {
      agentSteps,
      plan: plan.steps,
      index: -1,
      hardwareManagerVersion: hwm,
    }),
  });
  ctx.log.info({ node: node.uuid, kind, steps: plan.steps.map((s) => s.step) }, "steps planned");
  return advance(ctx, node, kind);
}

/**
 * Moves a clean or deploy forward; call with the node's lock held.
 * @example
 * const outcome = await processAgentSteps(ctx, node.uuid); // "running" while write_image runs
 */
export async function processAgentSteps(ctx: ConductorContext, uuid: string): Promise<StepOutcome> {
  let node = ctx.store.nodes.get(uuid);
  if (!node) return "idle";
  const kind = kindOf(node.provision_state);
  if (!kind || !node.agent_url) return "idle";
  try {
    const run = readRun(node.driver_internal_info, kind);
    if (!run.plan) return await planAndStart(ctx, node, kind);
    if (run.rebooting) return await resumeAfterReboot(ctx, node, kind);
    const current = run.plan[run.index];
    if (!current || !current.agent) return await advance(ctx, node, kind);
    const last = (await ctx.agent.listCommands(node)).filter((c) => c.command_name === `execute_${kind}_step`).at(-1);
    const resultStep = (last?.command_result as Record<string, { step?: string } | undefined> | null)?.[`${kind}_step`]?.step;
    if (!last || (last.command_status === "SUCCEEDED" && resultStep !== undefined && resultStep !== current.step)) {
      // The agent does not hold the current step's result (restarted agent, or the command was
      // refused as busy): send the step again.
      ctx.store.nodes.update(uuid, { driver_internal_info: writeRun(node.driver_internal_info, kind, { index: run.index - 1 }) });
      return await advance(ctx, ctx.store.nodes.get(uuid)!, kind);
    }
    const outcome = await onResult(ctx, node, kind, current, last);
    if (outcome !== "next") return outcome;
    return await advance(ctx, ctx.store.nodes.get(uuid)!, kind);
  } catch (e) {
    if (isStoreFault(e)) {
      // A locked or full store is not a failed step: the run resumes from what the store
      // holds (as after a restart), on the next poll.
      ctx.log.warn({ node: uuid, kind, err: e }, "store unavailable while processing steps; will retry");
      ctx.schedulePoll(uuid);
      return "idle";
    }
    node = ctx.store.nodes.get(uuid);
    if (!node) return "failed";
    if (isTeethError(e) && e.code === "AGENT_UNREACHABLE" && node.provision_state === KIND_STATES[kind].wait) {
      // A lost poll is not a failed step: the next heartbeat retries, the callback timeout bounds it.
      ctx.log.warn({ node: uuid, kind, err: e }, "agent unreachable while waiting; will retry");
      return "idle";
    }
    const reason = isTeethError(e) ? e.message : `Unexpected error: ${(e as Error).message}`;
    ctx.log.error({ node: uuid, kind, err: e }, "step processing failed");
    await failRun(ctx, node, kind, reason);
    return "failed";
  }
}
