/**
 * Deploy templates applied at deploy time, as Ironic applies them: a template named like one
 * of the node's instance traits (`instance_info.traits`, each also a trait of the node) adds
 * its steps, with their args and priorities, to the deploy; priority 0 disables a step of the
 * driver; the operator's `deploy_steps` win over a template's; a step the node does not offer
 * or the same step in two matching templates fails the deploy with Ironic's words; traits not
 * on the node are refused at the request. In-process conductor, fake-hardware, stand-in agent.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseIronicError } from "../../protocol/ironic-api.ts";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";
import { startStandInAgent, type StandInAgent } from "./helpers/stand-in-agent.ts";

let tc: TestConductor;
const agents: StandInAgent[] = [];
const VENDOR_STEPS = [
  { step: "apply_configuration", priority: 0, interface: "bios", reboot_requested: false, abortable: false },
  { step: "create_configuration", priority: 0, interface: "raid", reboot_requested: false, abortable: false },
  { step: "burnin_disk", priority: 10, interface: "deploy", reboot_requested: false, abortable: false },
];

beforeAll(async () => {
  tc = await startTestConductor({ agent: { poll_interval_s: 0.1, heartbeat_timeout_s: 10 }, cleaning: { automated_clean: false } });
  mkdirSync(join(tc.dataDir, "images"), { recursive: true });
  writeFileSync(join(tc.dataDir, "images", "disk.raw"), Buffer.alloc(4096, 7));
  const templates = [
    { name: "CUSTOM_BIOS_PERF", steps: [{ interface: "bios", step: "apply_configuration", args: { settings: [{ name: "LogicalProc", value: "Enabled" }] }, priority: 150 }] },
    { name: "CUSTOM_RAID1", steps: [{ interface: "raid", step: "create_configuration", args: { delete_existing: true }, priority: 90 }, { interface: "deploy", step: "burnin_disk", args: {}, priority: 0 }] },
    { name: "CUSTOM_RAID_AGAIN", steps: [{ interface: "raid", step: "create_configuration", args: {}, priority: 85 }] },
    { name: "CUSTOM_FIRMWARE", steps: [{ interface: "management", step: "update_firmware", args: {}, priority: 95 }] },
  ];
  for (const t of templates) expect((await tc.api("POST", "/v1/deploy_templates", t)).status).toBe(201);
});
afterAll(async () => {
  for (const a of agents) a.stop();
  await tc.destroy();
});

/** An available node with an agent, the given traits, asking for `instanceTraits`. */
async function node(name: string, mac: string, traits: string[], instanceTraits: unknown): Promise<StandInAgent> {
  await tc.enroll(name, mac);
  expect((await tc.api("PUT", `/v1/nodes/${name}/states/provision`, { target: "provide" })).status).toBe(202);
  await tc.waitFor(name, (n) => n.provision_state === "available" && n.reservation === null);
  expect((await tc.api("PUT", `/v1/nodes/${name}/traits`, { traits })).status).toBe(204);
  const patch = [{ op: "add", path: "/instance_info", value: { image_source: "disk.raw", traits: instanceTraits } }];
  expect((await tc.api("PATCH", `/v1/nodes/${name}`, patch)).status).toBe(200);
  const agent = await startStandInAgent({ apiUrl: tc.url, macs: [mac], extraSteps: { deploy: VENDOR_STEPS } });
  agents.push(agent);
  return agent;
}

const deploySteps = (agent: StandInAgent) =>
  agent.commands.filter((c) => c.name === "deploy.execute_deploy_step").map((c) => [(c.params.step as any).step, (c.params.step as any).args]);

test("matching templates add their steps by priority, with their args; priority 0 disables a driver step", async () => {
  const agent = await node("dt1", "52:54:00:d7:00:01", ["CUSTOM_BIOS_PERF", "CUSTOM_RAID1", "CUSTOM_UNUSED"], ["CUSTOM_BIOS_PERF", "CUSTOM_RAID1"]);
  expect((await tc.api("PUT", "/v1/nodes/dt1/states/provision", { target: "active" })).status).toBe(202);
  const n = await tc.waitFor("dt1", (x) => x.provision_state === "active" && x.reservation === null, 20_000);
  expect(n.last_error).toBeNull();
  // bios (150) before raid (90) before write_image (80); burnin_disk (10) is disabled by CUSTOM_RAID1.
  expect(deploySteps(agent).map(([s]) => s)).toEqual(["apply_configuration", "create_configuration", "write_image"]);
  expect(deploySteps(agent).slice(0, 2).map(([, a]) => a)).toEqual([{ settings: [{ name: "LogicalProc", value: "Enabled" }] }, { delete_existing: true }]);
});

test("no instance traits: no template applies, the driver's enabled steps run", async () => {
  const agent = await node("dt2", "52:54:00:d7:00:02", ["CUSTOM_RAID1"], []);
  expect((await tc.api("PUT", "/v1/nodes/dt2/states/provision", { target: "active" })).status).toBe(202);
  await tc.waitFor("dt2", (x) => x.provision_state === "active" && x.reservation === null, 20_000);
  expect(deploySteps(agent).map(([s]) => s)).toEqual(["write_image", "burnin_disk"]);
});

test("the operator's deploy_steps win over a template's step of the same name", async () => {
  const agent = await node("dt3", "52:54:00:d7:00:03", ["CUSTOM_RAID1"], ["CUSTOM_RAID1"]);
  const deploy_steps = [{ interface: "raid", step: "create_configuration", args: { by: "operator" }, priority: 99 }];
  expect((await tc.api("PUT", "/v1/nodes/dt3/states/provision", { target: "active", deploy_steps })).status).toBe(202);
  await tc.waitFor("dt3", (x) => x.provision_state === "active" && x.reservation === null, 20_000);
  expect(deploySteps(agent)).toEqual([["create_configuration", { by: "operator" }], ["write_image", expect.anything()]]);
});

test("a template step the node does not offer, or one step in two templates, fails the deploy with Ironic's words", async () => {
  await node("dt4", "52:54:00:d7:00:04", ["CUSTOM_FIRMWARE"], ["CUSTOM_FIRMWARE"]);
  expect((await tc.api("PUT", "/v1/nodes/dt4/states/provision", { target: "active" })).status).toBe(202);
  let n = await tc.waitFor("dt4", (x) => x.provision_state === "deploy failed", 20_000);
  expect(n.last_error).toBe(
    "Validation of deploy steps from deploy templates matching this node's instance traits failed. Matching deploy templates: CUSTOM_FIRMWARE. Errors: node does not support this deploy step: {'interface': 'management', 'step': 'update_firmware', 'args': {}, 'priority': 95}",
  );
  await node("dt5", "52:54:00:d7:00:05", ["CUSTOM_RAID1", "CUSTOM_RAID_AGAIN"], ["CUSTOM_RAID1", "CUSTOM_RAID_AGAIN"]);
  expect((await tc.api("PUT", "/v1/nodes/dt5/states/provision", { target: "active" })).status).toBe(202);
  n = await tc.waitFor("dt5", (x) => x.provision_state === "deploy failed", 20_000);
  expect(n.last_error).toBe(
    "Validation of deploy steps from deploy templates matching this node's instance traits failed. Matching deploy templates: CUSTOM_RAID1,CUSTOM_RAID_AGAIN. Errors: deploy steps from all deploy templates matching this node's instance traits cannot have the same interface and step. Duplicate deploy steps for raid.create_configuration",
  );
});

test("instance traits the node lacks, or not a list of strings, are refused at the request (400)", async () => {
  const uuid = await tc.enroll("dt6", "52:54:00:d7:00:06");
  expect((await tc.api("PUT", "/v1/nodes/dt6/states/provision", { target: "provide" })).status).toBe(202);
  await tc.waitFor("dt6", (n) => n.provision_state === "available" && n.reservation === null);
  for (const [traits, why] of [
    [["CUSTOM_RAID1"], `Cannot specify instance traits that are not also set on the node. Node ${uuid} is missing traits CUSTOM_RAID1`],
    ["CUSTOM_RAID1", `Error parsing traits from Node ${uuid} instance_info field. A list of strings is expected.`],
  ] as const) {
    await tc.api("PATCH", "/v1/nodes/dt6", [{ op: "add", path: "/instance_info", value: { image_source: "disk.raw", traits } }]);
    const r = await tc.api("PUT", "/v1/nodes/dt6/states/provision", { target: "active" });
    expect([r.status, parseIronicError(r.text)]).toEqual([400, `Failed to validate deploy or power info for node ${uuid}: ${why}`]);
    expect((await tc.api("GET", "/v1/nodes/dt6")).json.provision_state).toBe("available");
  }
});
