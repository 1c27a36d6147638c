import { describe, expect, test } from "bun:test";
import { flattenAgentSteps, planClean, planDeploy } from "./step-plan.ts";

const agentClean = flattenAgentSteps(
  {
    clean_steps: {
      GenericHardwareManager: [
        { step: "erase_devices", priority: 10, interface: "deploy" },
        { step: "erase_devices_metadata", priority: 99, interface: "deploy" },
        { step: "burnin_cpu", priority: 0, interface: "deploy" },
      ],
    },
  },
  "clean",
);
const cleaning = { automated_clean: true, erase_devices_priority: null, erase_devices_metadata_priority: 99, step_priority_override: {} };

describe("planClean", () => {
  test("automated: priority > 0, highest first", () => {
    const r = planClean(agentClean, cleaning);
    expect(r.ok && r.steps.map((s) => s.step)).toEqual(["erase_devices_metadata", "erase_devices"]);
  });
  test("overrides disable erase_devices", () => {
    const r = planClean(agentClean, { ...cleaning, erase_devices_priority: 0 });
    expect(r.ok && r.steps.map((s) => s.step)).toEqual(["erase_devices_metadata"]);
  });
  test("step_priority_override enables a priority-0 step and wins over the named overrides", () => {
    const r = planClean(agentClean, { ...cleaning, erase_devices_priority: 0, step_priority_override: { "deploy.burnin_cpu": 95, "deploy.erase_devices_metadata": 0 } });
    expect(r.ok && r.steps.map((s) => `${s.step}:${s.priority}`)).toEqual(["burnin_cpu:95"]);
  });
  test("manual keeps the operator's order and refuses unknown steps", () => {
    const r = planClean(agentClean, cleaning, [
      { interface: "deploy", step: "burnin_cpu", args: { x: 1 } },
      { interface: "deploy", step: "erase_devices" },
    ]);
    expect(r.ok && r.steps.map((s) => [s.step, s.args])).toEqual([["burnin_cpu", { x: 1 }], ["erase_devices", {}]]);
    const bad = planClean(agentClean, cleaning, [{ interface: "deploy", step: "nope" }]);
    expect(bad.ok).toBe(false);
  });
});

describe("planDeploy", () => {
  test("write_image then the conductor's steps", () => {
    const r = planDeploy([{ step: "write_image", priority: 0, interface: "deploy" }]);
    expect(r.ok && r.steps.map((s) => `${s.step}:${s.agent}`)).toEqual([
      "write_image:true",
      "prepare_instance_boot:false",
      "tear_down_agent:false",
      "boot_instance:false",
    ]);
  });
  test("an agent without write_image cannot deploy", () => {
    expect(planDeploy([]).ok).toBe(false);
  });
});
