/**
 * @module conductor/orchestration/provision
 * The operator's provision verbs (`PUT /v1/nodes/{id}/states/provision`): checks the verb
 * against the node's state, takes the node's lock, makes the first transition synchronously
 * (so the caller sees it), and continues in the background.
 */
import type { ProvisionTarget } from "../../protocol/ironic-api.ts";
import { isTeethError } from "../../common/branded-error.ts";
import { conductorError } from "../errors.ts";
import { S, TRANSIENT_FAILURE, VERB_ALIASES, VERBS, type ProvisionState } from "../state-machine/states.ts";
import { nodeInterface } from "../drivers/interfaces.ts";
import type { NodeRecord } from "../store/node-record.ts";
import { bootRamdisk, setPower, tearDownRamdisk, WIPE_AGENT } from "./agent-lifecycle.ts";
import type { ConductorContext } from "./context.ts";
import { inspectViaAgent } from "./inspection.ts";
import { errorText } from "./power-action.ts";
import { processAgentSteps } from "./step-runner.ts";
import { bounded } from "./power-timeouts.ts";
import { readRun, withoutRunKeys, writeRun } from "./run-state.ts";
import { validateRebootMethod } from "./reboot-method.ts";
import { pythonRepr } from "../../common/python-repr.ts";
import { instanceTraitsProblem } from "./deploy-templates.ts";
import { hasPrestage, withoutPrestage } from "./prestage/prestage-record.ts";

const NEEDS_NO_MAINTENANCE = new Set(["provide", "clean", "inspect", "active", "rebuild", "service"]);

/** Fails whatever the node was doing in the background, with a reason. */
function failBackground(ctx: ConductorContext, uuid: string, failTo: Partial<Record<string, ProvisionState>>, e: unknown) {
  const node = ctx.store.nodes.get(uuid);
  if (!node) return;
  const to = failTo[node.provision_state];
  e = ctx.store.guard.unavailable(e) ?? e; // a refused store write says so, not "Unexpected error"
  const reason = isTeethError(e) ? e.message : `Unexpected error: ${(e as Error).message}`;
  ctx.log.error({ node: uuid, state: node.provision_state, err: e }, "background operation failed");
  if (to) ctx.move(uuid, { from: node.provision_state, to, reason, fields: { last_error: reason, target_provision_state: null, ...WIPE_AGENT } });
}

function automatedClean(ctx: ConductorContext, node: NodeRecord): boolean {
  const own = node.attrs.automated_clean;
  return typeof own === "boolean" ? own : ctx.config.cleaning.automated_clean;
}

async function startCleaning(ctx: ConductorContext, node: NodeRecord, manual: boolean): Promise<void> {
  // Cleaning wipes the disk: whatever was pre-staged on it is gone (the agent forgets it too).
  if (hasPrestage(node.driver_internal_info)) node = ctx.store.nodes.update(node.uuid, { driver_internal_info: withoutPrestage(node.driver_internal_info) });
  if (!manual && !automatedClean(ctx, node)) {
    ctx.move(node.uuid, { from: S.CLEANING, to: S.AVAILABLE, reason: "automated cleaning is disabled", fields: { target_provision_state: null } });
    return;
  }
  // Ironic's fake deploy has no clean steps: cleaning ends at once, without a ramdisk, and a
  // manual clean fails (before any step ran) naming each step it asked for, as Ironic does.
  if (nodeInterface(node, "deploy") === "fake") {
    if (manual) {
      const steps = (readRun(node.driver_internal_info, "clean").requested ?? []) as unknown[];
      const reason = `Cannot clean node ${node.uuid}: ${steps.map((s) => `node does not support this clean step: ${pythonRepr(s)}`).join("; ")}`;
      ctx.move(node.uuid, { from: S.CLEANING, to: S.CLEANFAIL, reason, fields: { target_provision_state: S.MANAGEABLE, clean_step: null, last_error: reason } });
      return;
    }
    ctx.move(node.uuid, { from: S.CLEANING, to: S.AVAILABLE, reason: "fake deploy interface: no clean steps", fields: { target_provision_state: null, clean_step: null } });
    return;
  }
  node = await bootRamdisk(ctx, node, manual ? "manual cleaning" : "cleaning");
  await waitForAgent(ctx, node, S.CLEANING, S.CLEANWAIT);
}

async function startDeploy(ctx: ConductorContext, node: NodeRecord): Promise<void> {
  // Ironic's fake deploy: deploying -> active at once, no agent, no image written.
  if (nodeInterface(node, "deploy") === "fake") {
    ctx.move(node.uuid, { from: S.DEPLOYING, to: S.ACTIVE, reason: "fake deploy interface", fields: { target_provision_state: null, deploy_step: null } });
    return;
  }
  node = await bootRamdisk(ctx, node, "deploy");
  await waitForAgent(ctx, node, S.DEPLOYING, S.DEPLOYWAIT);
}

async function startService(ctx: ConductorContext, node: NodeRecord): Promise<void> {
  node = await bootRamdisk(ctx, node, "servicing");
  await waitForAgent(ctx, node, S.SERVICING, S.SERVICEWAIT);
}

async function startInspection(ctx: ConductorContext, node: NodeRecord): Promise<void> {
  // Ironic's fake inspect finds nothing and returns to manageable at once.
  if (nodeInterface(node, "inspect") === "fake") {
    ctx.move(node.uuid, { from: S.INSPECTING, to: S.MANAGEABLE, reason: "fake inspect interface", fields: { target_provision_state: null, inspection_finished_at: Date.now() } });
    return;
  }
  node = await bootRamdisk(ctx, node, "inspection");
  await waitForAgent(ctx, node, S.INSPECTING, S.INSPECTWAIT);
}

/**
 * Enters the wait state. When bootRamdisk kept a live agent (fast track: it still has its
 * URL) there is no boot to wait for: the run starts now, under the verb's lock, instead of on
 * the agent's next heartbeat, which may be minutes away.
 */
async function waitForAgent(ctx: ConductorContext, node: NodeRecord, from: ProvisionState, to: ProvisionState): Promise<void> {
  const reused = Boolean(node.agent_url);
  ctx.move(node.uuid, { from, to, reason: reused ? "fast track: the agent is running" : "ramdisk booting; waiting for the agent" });
  if (!reused) return;
  if (to === S.INSPECTWAIT) await inspectViaAgent(ctx, node.uuid);
  else await processAgentSteps(ctx, node.uuid);
}

/**
 * `manage`: the driver info must validate and the BMC must answer a power-state read (Ironic's
 * `do_node_verify`, with its messages); otherwise the node goes back to `enroll` with why.
 */
async function verify(ctx: ConductorContext, node: NodeRecord): Promise<void> {
  const driver = ctx.drivers.get(node.driver);
  const back = (error: string) => {
    ctx.log.error({ node: node.uuid, err: error }, "verification failed");
    ctx.move(node.uuid, { from: S.VERIFYING, to: S.ENROLL, reason: error, fields: { last_error: error, target_provision_state: null } });
  };
  const problem = driver.validate(node);
  if (problem) return back(`Failed to validate power driver interface for node ${node.uuid}. Error: ${problem}`);
  let power: string;
  try {
    power = await bounded(node, "get power state", ctx.config.power.action_timeout_s, () => driver.power.getPowerState(node));
  } catch (e) {
    return back(`Failed to get power state for node ${node.uuid}. Error: ${errorText(e)}`);
  }
  ctx.move(node.uuid, { from: S.VERIFYING, to: S.MANAGEABLE, reason: "driver validated", fields: { power_state: power, target_provision_state: null, last_error: null } });
}

/**
 * `adopt`: a server already running its instance becomes `active` without a deploy (Ironic's
 * `_do_adoption`): the driver must validate; the power state is left for the sync loop to
 * read. A failure lands in `adopt failed` with Ironic's message and no recorded power state.
 */
async function adopt(ctx: ConductorContext, node: NodeRecord): Promise<void> {
  const problem = ctx.drivers.get(node.driver).validate(node);
  if (problem) {
    const error = `Error while attempting to adopt node ${node.uuid}: ${problem}.`;
    ctx.log.error({ node: node.uuid, err: error }, "adoption failed");
    ctx.move(node.uuid, { from: S.ADOPTING, to: S.ADOPTFAIL, reason: error, fields: { last_error: error, power_state: null, target_provision_state: null } });
    return;
  }
  ctx.move(node.uuid, { from: S.ADOPTING, to: S.ACTIVE, reason: "adopted", fields: { target_provision_state: null, last_error: null } });
}

/**
 * rescue/unrescue: checked as Ironic does (state, then the password), then refused: every
 * Teeth driver's rescue interface is `no-rescue` (Ironic answers this 500 "Failed to rescue
 * instance"; Teeth says the same reason as a 400 before touching the node).
 */
function refuseRescue(node: NodeRecord, verb: string, body: ProvisionTarget): never {
  if (verb === "rescue" && !body.rescue_password?.trim()) {
    throw conductorError("INVALID_PARAMETER", { reason: 'A non-empty "rescue_password" is required when setting target provision state to rescue' });
  }
  throw conductorError("UNSUPPORTED_DRIVER_EXTENSION", { driver: node.driver, extension: "rescue" });
}

async function undeploy(ctx: ConductorContext, node: NodeRecord): Promise<void> {
  node = await setPower(ctx, node, "power off");
  await ctx.drivers.get(node.driver).boot.cleanUpRamdisk(node);
  node = ctx.move(node.uuid, {
    from: S.DELETING,
    to: S.CLEANING,
    reason: "instance torn down",
    fields: { instance_info: {}, instance_uuid: null, allocation_uuid: null, target_provision_state: S.AVAILABLE, ...WIPE_AGENT },
  });
  // As Ironic's tear down: the instance's allocation goes with it.
  const allocation = ctx.store.allocations.by("node_uuid", node.uuid);
  if (allocation) ctx.store.allocations.delete(allocation.uuid);
  await startCleaning(ctx, node, false);
}

/**
 * Handles one provision request. Throws catalogued errors (400 invalid verb/state, 409 locked).
 * @example
 * requestProvision(ctx, "web-1", { target: "active" });
 */
export function requestProvision(ctx: ConductorContext, ident: string, body: ProvisionTarget): NodeRecord {
  const node = ctx.store.nodes.find(ident);
  if (!node) throw conductorError("NODE_NOT_FOUND", { node: ident });
  const verb = VERB_ALIASES[body.target] ?? body.target;
  const to = VERBS[verb]?.[node.provision_state as ProvisionState];
  if (!to) throw conductorError("INVALID_STATE_REQUESTED", { action: body.target, node: node.uuid, state: node.provision_state });
  if (node.maintenance && NEEDS_NO_MAINTENANCE.has(verb)) {
    throw conductorError("INVALID_STATE", { reason: `Node ${node.uuid} is in maintenance mode; "${body.target}" is refused.` });
  }
  if (body.rescue_password !== undefined && verb !== "rescue") {
    throw conductorError("INVALID_PARAMETER", { reason: '"rescue_password" is only valid when setting target provision state to rescue' });
  }
  if (verb === "rescue" || verb === "unrescue") {
    if (node.maintenance) throw conductorError("NODE_IN_MAINTENANCE", { op: `${verb === "rescue" ? "rescuing" : "unrescuing"}`, node: node.uuid });
    refuseRescue(node, verb, body);
  }
    if (verb === "service" && !body.service_steps?.length) {
    throw conductorError("INVALID_PARAMETER", { reason: '"service_steps" is required when setting target provision state to service' });
  }
  if (body.service_steps && verb !== "service") {
    throw conductorError("INVALID_PARAMETER", { reason: '"service_steps" is only valid when setting target provision state to service' });
  }
    if (verb === "clean" && !body.clean_steps?.length) {
    throw conductorError("INVALID_PARAMETER", { reason: '"clean_steps" is required when setting target provision state to clean' });
  }
  if (verb === "inspect" && nodeInterface(node, "inspect") === "no-inspect") {
    throw conductorError("UNSUPPORTED_DRIVER_EXTENSION", { driver: node.driver, extension: "inspect" });
  }
  if (verb === "active" || verb === "rebuild") {
    if (nodeInterface(node, "deploy") !== "fake") {
      ctx.images.validate(node);
      validateRebootMethod(node);
    }
    const traits = instanceTraitsProblem(node);
    if (traits) throw conductorError("INVALID_PARAMETER", { reason: `Failed to validate deploy or power info for node ${node.uuid}: ${traits}` });
  }
  const release = ctx.locks.tryLock(node.uuid, verb);
  if (!release) throw conductorError("NODE_LOCKED", { node: node.uuid, host: ctx.hostname });
  const from = node.provision_state;
  const reason = `${body.target} requested`;
  let bg: ((n: NodeRecord) => Promise<void>) | null = null;
  let moved: NodeRecord;
  try {
    switch (verb) {
      case "manage":
        // Only enroll goes through verifying; from elsewhere manageable is reached at once, a stable state with no target (Ironic).
        moved = ctx.move(node.uuid, { from, to, reason, fields: { target_provision_state: to === S.VERIFYING ? S.MANAGEABLE : null, last_error: null } });
        if (to === S.VERIFYING) bg = (n) => verify(ctx, n);
        break;
      case "provide":
        moved = ctx.move(node.uuid, {
          from, to, reason,
          fields: { target_provision_state: S.AVAILABLE, last_error: null, driver_internal_info: withoutRunKeys(node.driver_internal_info, "clean") },
        });
        bg = (n) => startCleaning(ctx, n, false);
        break;
      case "clean":
        moved = ctx.move(node.uuid, {
          from, to, reason,
          fields: { target_provision_state: S.MANAGEABLE, last_error: null, driver_internal_info: writeRun(withoutRunKeys(node.driver_internal_info, "clean"), "clean", { requested: body.clean_steps }) },
        });
        bg = (n) => startCleaning(ctx, n, true);
        break;
      case "inspect":
        moved = ctx.move(node.uuid, { from, to, reason, fields: { target_provision_state: S.MANAGEABLE, last_error: null, inspection_started_at: Date.now(), inspection_finished_at: null } });
        bg = (n) => startInspection(ctx, n);
        break;
      case "active":
      case "rebuild": {
        const ii = { ...node.instance_info };
        if (body.configdrive !== undefined) ii.configdrive = body.configdrive;
        const requested = body.deploy_steps?.length ? body.deploy_steps : undefined;
        const dii = writeRun(withoutRunKeys(node.driver_internal_info, "deploy"), "deploy", { progress: undefined, requested });
        moved = ctx.move(node.uuid, { from, to, reason, fields: { target_provision_state: S.ACTIVE, last_error: null, instance_info: ii, driver_internal_info: dii } });
        bg = (n) => startDeploy(ctx, n);
        break;
      }
      case "service":
        moved = ctx.move(node.uuid, {
          from, to, reason,
          fields: { target_provision_state: S.ACTIVE, last_error: null, driver_internal_info: writeRun(withoutRunKeys(node.driver_internal_info, "service"), "service", { requested: body.service_steps }) },
        });
        bg = (n) => startService(ctx, n);
        break;
      case "adopt":
        moved = ctx.move(node.uuid, { from, to, reason, fields: { target_provision_state: S.ACTIVE, last_error: null } });
        bg = (n) => adopt(ctx, n);
        break;
            case "deleted":
        moved = ctx.move(node.uuid, { from, to, reason, fields: { target_provision_state: S.AVAILABLE, last_error: null } });
        bg = (n) => undeploy(ctx, n);
        break;
      case "unhold":
        // The run waits for its agent again; the next heartbeat starts the step after hold.
        moved = ctx.move(node.uuid, { from, to, reason: "unhold requested" });
        break;
      case "abort":
        if (from === S.SERVICEFAIL) {
          // A failed service given up on: the node goes back to active as it is.
          moved = ctx.move(node.uuid, { from, to, reason: "service abandoned by operator", fields: { target_provision_state: null, service_step: null, driver_internal_info: withoutRunKeys(node.driver_internal_info, "service") } });
          break;
        }
        moved = ctx.move(node.uuid, {
          from, to, reason: "aborted by operator",
          fields: {
            last_error: `${from} aborted by operator`, target_provision_state: null, clean_step: null, deploy_step: null, service_step: null, ...WIPE_AGENT,
            driver_internal_info: withoutRunKeys(node.driver_internal_info, "clean", "deploy", "service"),
          },
        });
        if (to === S.CLEANFAIL || to === S.INSPECTFAIL || to === S.SERVICEFAIL) bg = async (n) => void (await tearDownRamdisk(ctx, n));
        break;
      default:
        throw conductorError("INVALID_STATE_REQUESTED", { action: body.target, node: node.uuid, state: from });
    }
  } catch (e) {
    release();
    throw e;
  }
  if (!bg) {
    release();
    return moved;
  }
  const work = bg;
  ctx.background(`${verb} ${node.uuid}`, async () => {
    try {
      await work(moved);
    } catch (e) {
      failBackground(ctx, node.uuid, TRANSIENT_FAILURE, e);
    } finally {
      release();
    }
  });
  return moved;
}
