/**
 * Steps with `reboot_requested` (Ironic's `_post_step_reboot`): once such a step SUCCEEDED the
 * conductor forgets the agent, marks `cleaning_reboot`/`deployment_reboot`, boots the node back
 * into the ramdisk through the power interface, and on the rebooted agent's first heartbeat
 * (fresh lookup, new token, new callback URL) continues with the next step, never re-running
 * the finished one. The stand-in agent "reboots" when fake-hardware is asked to reboot it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FakeAction, FakeHardware } from "../../conductor/drivers/fake/index.ts";
import { startStandInAgent, type AgentStepDef, type StandInAgent } from "./helpers/stand-in-agent.ts";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";

let tc: TestConductor;
let fake: FakeHardware;
const agents: StandInAgent[] = [];
const unsubscribe: (() => void)[] = [];

beforeAll(async () => {
  tc = await startTestConductor({ agent: { poll_interval_s: 0.1, heartbeat_timeout_s: 10 } });
  fake = tc.conductor.drivers.get("fake-hardware") as FakeHardware;
  mkdirSync(join(tc.dataDir, "images"), { recursive: true });
  writeFileSync(join(tc.dataDir, "images", "disk.raw"), Buffer.alloc(4096, 3));
});
afterAll(async () => {
  unsubscribe.forEach((u) => u());
  for (const a of agents) a.stop();
  await tc.stop();
});

const vendorStep = (step: string, reboot: boolean, iface = "management"): AgentStepDef => ({ step, priority: 0, interface: iface, reboot_requested: reboot, abortable: false });


/** Wires the node's "BMC" to the stand-in: a reboot restarts the agent; records what the conductor had stored then. */
function rebootOnPowerCycle(uuid: string, agent: StandInAgent) {
  const seen: { dii: Record<string, unknown>; token: string | null; url: string | null; state: string }[] = [];
  unsubscribe.push(fake.onAction((a: FakeAction) => {
    if (a.node !== uuid || a.kind !== "power" || a.value !== "rebooting") return;
    const n = tc.conductor.store.nodes.get(uuid)!;
    seen.push({ dii: n.driver_internal_info, token: n.agent_token, url: n.agent_url, state: n.provision_state });
    agent.reboot();
  }));
  return seen;
}

const executed = (agent: StandInAgent, kind: string) =>
  agent.commands.filter((c) => c.name === `${kind}.execute_${kind}_step`).map((c) => (c.params.step as { step: string }).step);

test("a clean step with reboot_requested reboots the node and cleaning continues with the next step", async () => {
  const mac = "52:54:00:10:00:01";
  const uuid = await tc.enroll("rb1", mac);
  const agent = await startStandInAgent({ apiUrl: tc.url, macs: [mac], relookupOnReject: false, extraSteps: { clean: [vendorStep("acme_reset_bmc", true)] } });
  agents.push(agent);
  const seen = rebootOnPowerCycle(uuid, agent);

  const steps = [
    { interface: "management", step: "acme_reset_bmc", args: { bmc: "primary" } },
    { interface: "deploy", step: "erase_devices_metadata" },
  ];
  expect((await tc.api("PUT", "/v1/nodes/rb1/states/provision", { target: "clean", clean_steps: steps })).status).toBe(202);
  const n = await tc.waitFor("rb1", (x) => x.provision_state === "manageable" && x.driver_internal_info.clean_steps === undefined);

  // each step ran exactly once, in order, the second one on the rebooted agent
  expect(executed(agent, "clean")).toEqual(["acme_reset_bmc", "erase_devices_metadata"]);
  expect(agent.boots).toBe(2);
  // the rebooted agent looked up again and got a new token
  expect(agent.tokens).toHaveLength(2);
  expect(agent.tokens[1]).not.toBe(agent.tokens[0]);
  // at the reboot: the marker set, the old agent forgotten, the node waiting
  expect(seen).toHaveLength(1);
  expect(seen[0]!.dii.cleaning_reboot).toBe(true);
  expect(seen[0]!).toMatchObject({ token: null, url: null, state: "clean wait" });
  // the power interface rebooted the node into the ramdisk (boot device pxe first)
  const mine = fake.actions.filter((a) => a.node === uuid).map((a) => `${a.kind}:${a.value}`);
  const r = mine.indexOf("power:rebooting");
  expect(r).toBeGreaterThan(0);
  expect(mine.slice(r - 2, r)).toEqual([expect.stringMatching(/^ramdisk:ipa-api-url=/), "boot:pxe"]);
  // done: marker gone, node powered off, no maintenance
  expect(n.driver_internal_info.cleaning_reboot).toBeUndefined();
  expect(n.clean_step).toEqual({});
  expect(n.maintenance).toBe(false);
  expect(n.power_state).toBe("power off");
  expect(n.last_error).toBeNull();
}, 20_000);

test("a deploy step with reboot_requested reboots mid-deploy and the deploy finishes active", async () => {
  const mac = "52:54:00:10:00:02";
  const uuid = await tc.enroll("rb2", mac);
  await tc.api("PATCH", "/v1/nodes/rb2", [{ op: "add", path: "/automated_clean", value: false }]);
  await tc.api("PUT", "/v1/nodes/rb2/states/provision", { target: "provide" });
  await tc.waitFor("rb2", (x) => x.provision_state === "available");
  const agent = await startStandInAgent({ apiUrl: tc.url, macs: [mac], relookupOnReject: false, extraSteps: { deploy: [vendorStep("acme_tune_bios", true, "bios")] } });
  agents.push(agent);
  const seen = rebootOnPowerCycle(uuid, agent);

  await tc.api("PATCH", "/v1/nodes/rb2", [{ op: "add", path: "/instance_info/image_source", value: "disk.raw" }]);
  const body = { target: "active", deploy_steps: [{ interface: "bios", step: "acme_tune_bios", args: {}, priority: 90 }] };
  expect((await tc.api("PUT", "/v1/nodes/rb2/states/provision", body)).status).toBe(202);
  const n = await tc.waitFor("rb2", (x) => x.provision_state === "active");

  expect(executed(agent, "deploy")).toEqual(["acme_tune_bios", "write_image"]);
  expect(agent.boots).toBe(2);
  expect(seen).toHaveLength(1);
  expect(seen[0]!.dii.deployment_reboot).toBe(true);
  expect(seen[0]!.state).toBe("wait call-back");
  // the rebooted agent was asked for its steps again before the next step
  const afterReboot = agent.commands.slice(agent.commands.findIndex((c) => (c.params.step as any)?.step === "acme_tune_bios") + 1);
  expect(afterReboot[0]!.name).toBe("deploy.get_deploy_steps");
  expect(n.driver_internal_info.deployment_reboot).toBeUndefined();
  expect(n.last_error).toBeNull();
  const mine = fake.actions.filter((a) => a.node === uuid).map((a) => `${a.kind}:${a.value}`);
  expect(mine.slice(-5)).toEqual(["instance:boot from disk", "boot:disk", "power:power off", "power:power on", "ramdisk:cleaned up"]);
}, 20_000);

test("a failed reboot fails the clean with the reason", async () => {
  const mac = "52:54:00:10:00:03";
  const uuid = await tc.enroll("rb3", mac);
  const agent = await startStandInAgent({ apiUrl: tc.url, macs: [mac], relookupOnReject: false, extraSteps: { clean: [vendorStep("acme_reset_bmc", true)] } });
  agents.push(agent);
  unsubscribe.push(fake.onAction((a) => {
    if (a.node === uuid && a.kind === "power" && a.value === "rebooting") throw new Error("BMC unreachable");
  }));
  await tc.api("PUT", "/v1/nodes/rb3/states/provision", { target: "clean", clean_steps: [{ interface: "management", step: "acme_reset_bmc" }] });
  const n = await tc.waitFor("rb3", (x) => x.provision_state === "clean failed");
  expect(n.last_error).toContain("Reboot requested by clean step acme_reset_bmc failed");
  expect(n.last_error).toContain("BMC unreachable");
  expect(n.driver_internal_info.cleaning_reboot).toBeUndefined();
  // the step was running when cleaning failed: maintenance, as Ironic
  expect(n.maintenance).toBe(true);
  expect(n.fault).toBe("clean failure");
}, 20_000);
