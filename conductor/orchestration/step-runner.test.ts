/**
 * The step runner driven poll by poll through a scripted agent client (no HTTP, no timers):
 * after each `processAgentSteps` the node's provision state and its run state (read through
 * `run-state.ts`) are what Ironic's agent interfaces would leave.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createExec } from "../../common/exec.ts";
import { createSilentLogger } from "../../common/logger.ts";
import type { CommandResult } from "../../protocol/agent-commands.ts";
import type { AgentClient } from "../agent-client/client.ts";
import { buildConfig } from "../config/load.ts";
import { createFakeHardware, type FakeHardware } from "../drivers/fake/index.ts";
import { createImageService } from "../images/image-service.ts";
import { S } from "../state-machine/states.ts";
import { createTransition } from "../state-machine/transition.ts";
import { createStore, type Store } from "../store/index.ts";
import type { NodeRecord } from "../store/node-record.ts";
import type { ConductorContext } from "./context.ts";
import { createNodeLocks } from "./node-locks.ts";
import { readRun, writeRun, type RequestedStep } from "./run-state.ts";
import { processAgentSteps } from "./step-runner.ts";

interface AgentStepDef {
  step: string;
  reboot_requested?: boolean;
}

/**
 * An agent that answers `get_clean_steps` with `steps` and each `execute_clean_step` with
 * what `onStep` says; like IPA it keeps every command's result for `GET /v1/commands/`.
 */
interface AgentScript {
  steps: () => AgentStepDef[];
  version: () => string;
  onStep: (step: string) => CommandResult["command_status"];
}

function scriptedAgent(script: AgentScript) {
  const held: CommandResult[] = [];
  const sent: string[] = [];
  let n = 0;
  const client: AgentClient = {
    async execute(_node, name, params) {
      const [, command] = name.split(".");
      sent.push(name === "clean.execute_clean_step" ? `${name}:${(params.step as { step: string }).step}` : name);
      let r: CommandResult;
      if (command === "get_clean_steps") {
        const steps = script.steps().map((s) => ({
          step: s.step, priority: 0, interface: "deploy", reboot_requested: s.reboot_requested ?? false, abortable: false,
        }));
        const versions = { generic: script.version() };
        const result = { clean_steps: { GenericHardwareManager: steps }, hardware_manager_version: versions };
        r = { id: `c${++n}`, command_name: command, command_status: "SUCCEEDED", command_error: null, command_result: result };
      } else if (command === "execute_clean_step") {
        const step = (params.step as { step: string }).step;
        const status = script.onStep(step);
        r = {
          id: `c${++n}`, command_name: command, command_status: status,
          command_error: status === "FAILED"
            ? { type: "CleaningError", code: 500, message: "Clean step failed", details: `${step} found a bad disk` }
            : null,
          command_result: status === "SUCCEEDED" ? { clean_step: { step } } : null,
        };
      } else {
        throw new Error(`unexpected agent command ${name}`);
      }
      held.push(r);
      return r;
    },
    async listCommands() {
      return held.map((c) => ({ ...c }));
    },
  };
  /** The running step finishes on the agent (what the next poll reads). */
  const finishRunning = () => {
    const r = held.findLast((c) => c.command_status === "RUNNING")!;
    r.command_status = "SUCCEEDED";
    r.command_result = { clean_step: { step: sent.at(-1)!.split(":")[1] } };
  };
  /** The ramdisk came back after a reboot: a fresh agent holds only its get_clean_steps. */
  const reboot = () => void held.splice(0, held.length);
  return { client, sent, finishRunning, reboot };
}

let dir: string;
let store: Store;
let fake: FakeHardware;
let polls: string[];

function context(agent: AgentClient): ConductorContext {
  const config = buildConfig({ flags: { data_dir: dir } });
  const log = createSilentLogger();
  return {
    config, store, log, agent,
    drivers: { get: () => fake, has: () => true, names: () => ["fake-hardware"], close: async () => {} },
    move: createTransition(store.nodes, log),
    locks: createNodeLocks(),
    images: createImageService({ dataDir: dir, publicUrl: config.public_url }),
    background: () => {},
    schedulePoll: (uuid) => void polls.push(uuid),
    hostname: "test",
    agentViews: { node: (node) => ({ uuid: node.uuid }), port: (port) => ({ uuid: port.uuid }) },
  };
}

/** A node in clean wait whose agent has looked it up, for a manual clean of `steps`. */
function nodeInCleanWait(steps: string[]): string {
  const uuid = crypto.randomUUID();
  const requested: RequestedStep[] = steps.map((step) => ({ interface: "deploy", step }));
  const now = Date.now();
  const node: NodeRecord = {
    uuid, name: null, driver: "fake-hardware", provision_state: S.CLEANWAIT, target_provision_state: S.MANAGEABLE,
    power_state: "power on", target_power_state: null, maintenance: false, maintenance_reason: null, fault: null,
    last_error: null, instance_uuid: null, driver_info: {}, driver_internal_info: writeRun({}, "clean", { requested }),
    properties: {}, instance_info: {}, extra: {}, attrs: {}, clean_step: null, deploy_step: null,
    agent_url: "http://127.0.0.1:9999", agent_token: "t", agent_verify_ca: null, agent_version: "0.1.0",
    agent_last_heartbeat: now,
    provision_updated_at: now, inspection_started_at: null, inspection_finished_at: null, created_at: now, updated_at: null,
  };
  store.nodes.insert(node);
  return uuid;
}

const node = (uuid: string) => store.nodes.get(uuid)!;
const twoSteps = () => [{ step: "erase_a" }, { step: "erase_b" }];
const run = (uuid: string) => readRun(node(uuid).driver_internal_info, "clean");

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "teeth-step-runner-"));
  store = createStore(":memory:");
  fake = createFakeHardware({ exec: createExec(), logger: createSilentLogger() });
  polls = [];
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("processAgentSteps", () => {
  test("a clean of two steps: each runs on the agent in turn, then the node is manageable and the run forgotten", async () => {
    const agent = scriptedAgent({ steps: twoSteps, version: () => "1", onStep: () => "RUNNING" });
    const ctx = context(agent.client);
    const uuid = nodeInCleanWait(["erase_a", "erase_b"]);

    expect(await processAgentSteps(ctx, uuid)).toBe("running");
    expect(node(uuid).provision_state).toBe(S.CLEANWAIT);
    expect(run(uuid).plan?.map((s) => s.step)).toEqual(["erase_a", "erase_b"]);
    expect(run(uuid).index).toBe(0);
    expect(run(uuid).hardwareManagerVersion).toEqual({ generic: "1" });
    expect(node(uuid).clean_step?.step).toBe("erase_a");
    expect(polls).toEqual([uuid]);

    agent.finishRunning();
    expect(await processAgentSteps(ctx, uuid)).toBe("running");
    expect(node(uuid).provision_state).toBe(S.CLEANWAIT);
    expect(run(uuid).index).toBe(1);
    expect(node(uuid).clean_step?.step).toBe("erase_b");

    agent.finishRunning();
    expect(await processAgentSteps(ctx, uuid)).toBe("done");
    const done = node(uuid);
    expect(done.provision_state).toBe(S.MANAGEABLE);
    expect(done.clean_step).toBeNull();
    expect(done.last_error).toBeNull();
    expect(done.power_state).toBe("power off");
    expect(run(uuid)).toMatchObject({ plan: undefined, index: -1, requested: undefined, agentSteps: undefined });
    expect(run(uuid).rebooting).toBe(false);
    expect(agent.sent).toEqual(["clean.get_clean_steps", "clean.execute_clean_step:erase_a", "clean.execute_clean_step:erase_b"]);
  });

  test("a failing step fails the clean with the agent's error and puts the node in maintenance", async () => {
    const agent = scriptedAgent({ steps: twoSteps, version: () => "1", onStep: () => "FAILED" });
    const ctx = context(agent.client);
    const uuid = nodeInCleanWait(["erase_a", "erase_b"]);

    expect(await processAgentSteps(ctx, uuid)).toBe("failed");
    const failed = node(uuid);
    expect(failed.provision_state).toBe(S.CLEANFAIL);
    expect(failed.last_error).toBe("Agent returned error for clean step erase_a: Clean step failed: erase_a found a bad disk");
    expect(failed).toMatchObject({ maintenance: true, fault: "clean failure", clean_step: null });
    expect(failed).toMatchObject({ agent_url: null, agent_token: null });
    expect(run(uuid)).toMatchObject({ plan: undefined, index: -1 });
    expect(agent.sent).toEqual(["clean.get_clean_steps", "clean.execute_clean_step:erase_a"]);
  });

  test("a step that requests a reboot: the node reboots into the ramdisk, the next heartbeat runs the next step", async () => {
    const steps = () => [{ step: "update_bmc", reboot_requested: true }, { step: "erase_b" }];
    const agent = scriptedAgent({ steps, version: () => "1", onStep: () => "SUCCEEDED" });
    const ctx = context(agent.client);
    const uuid = nodeInCleanWait(["update_bmc", "erase_b"]);

    expect(await processAgentSteps(ctx, uuid)).toBe("running");
    const rebooting = node(uuid);
    expect(rebooting.provision_state).toBe(S.CLEANWAIT);
    expect(run(uuid)).toMatchObject({ rebooting: true, index: 0, agentSteps: undefined });
    expect(rebooting.driver_internal_info.cleaning_reboot).toBe(true);
    expect(rebooting).toMatchObject({ agent_url: null, agent_token: null });
    const bmc = fake.actions.filter((a) => a.node === uuid && (a.kind === "boot" || a.kind === "power"));
    expect(bmc.map((a) => `${a.kind} ${a.value}`)).toEqual(["boot pxe", "power rebooting"]);
    // no agent, nothing to do until the rebooted ramdisk looks up and heartbeats
    expect(await processAgentSteps(ctx, uuid)).toBe("idle");

    agent.reboot();
    store.nodes.update(uuid, { agent_url: "http://127.0.0.1:9998", agent_token: "t2" });
    expect(await processAgentSteps(ctx, uuid)).toBe("done");
    expect(node(uuid).provision_state).toBe(S.MANAGEABLE);
    expect(run(uuid)).toMatchObject({ rebooting: false, plan: undefined });
    // update_bmc is never sent again; the steps are refreshed once after the reboot
    expect(agent.sent).toEqual([
      "clean.get_clean_steps", "clean.execute_clean_step:update_bmc", "clean.get_clean_steps", "clean.execute_clean_step:erase_b",
    ]);
  });

  test("a hardware manager version mismatch re-plans from the agent's current steps and versions", async () => {
    let version = "1";
    const agent = scriptedAgent({
      steps: () => [{ step: "erase_a" }],
      version: () => version,
      onStep: () => {
        if (version === "1") {
          version = "2"; // the agent's managers changed between get_clean_steps and the step
          return "CLEAN_VERSION_MISMATCH";
        }
        return "RUNNING";
      },
    });
    const ctx = context(agent.client);
    const uuid = nodeInCleanWait(["erase_a"]);

    expect(await processAgentSteps(ctx, uuid)).toBe("running");
    expect(node(uuid).provision_state).toBe(S.CLEANWAIT);
    expect(run(uuid)).toMatchObject({ index: 0, hardwareManagerVersion: { generic: "2" } });
    expect(run(uuid).plan?.map((s) => s.step)).toEqual(["erase_a"]);
    expect(agent.sent).toEqual([
      "clean.get_clean_steps", "clean.execute_clean_step:erase_a", "clean.get_clean_steps", "clean.execute_clean_step:erase_a",
    ]);
  });
});
