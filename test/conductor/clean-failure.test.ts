/**
 * A clean that fails while a step runs puts the node in maintenance with fault
 * `clean failure` (Ironic's `cleaning_error_handler`), keeps it powered on for inspection,
 * and stays in maintenance through `manage` until the operator clears it; a clean that fails
 * before any step ran (an unsupported manual step) only fails.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startStandInAgent, type StandInAgent } from "./helpers/stand-in-agent.ts";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";

let tc: TestConductor;
const agents: StandInAgent[] = [];

beforeAll(async () => {
  tc = await startTestConductor({ agent: { poll_interval_s: 0.1, heartbeat_timeout_s: 10 } });
});
afterAll(async () => {
  for (const a of agents) a.stop();
  await tc.stop();
});


test("a failing clean step: clean failed, maintenance with fault 'clean failure'; manage keeps it; unset clears it", async () => {
  const mac = "52:54:00:20:00:01";
  await tc.enroll("cf1", mac);
  const agent = await startStandInAgent({ apiUrl: tc.url, macs: [mac], failSteps: { erase_devices: "Erasing /dev/vda failed: ATA security frozen" } });
  agents.push(agent);
  expect((await tc.api("PUT", "/v1/nodes/cf1/states/provision", { target: "provide" })).status).toBe(202);
  let n = await tc.waitFor("cf1", (x) => x.provision_state === "clean failed");
  expect(n.last_error).toContain("erase_devices");
  expect(n.last_error).toContain("ATA security frozen");
  expect(n.maintenance).toBe(true);
  expect(n.fault).toBe("clean failure");
  expect(n.maintenance_reason).toBe(n.last_error);
  expect(n.clean_step).toEqual({});
  expect(n.driver_internal_info.clean_steps).toBeUndefined();
  // not power-cycled: the ramdisk stays up for the operator to look at
  expect(n.power_state).toBe("power on");

  // manage from clean failed is allowed in maintenance and, as in Ironic, keeps maintenance
  expect((await tc.api("PUT", "/v1/nodes/cf1/states/provision", { target: "manage" })).status).toBe(202);
  n = await tc.waitFor("cf1", (x) => x.provision_state === "manageable");
  expect(n.maintenance).toBe(true);
  expect(n.fault).toBe("clean failure");
  // not schedulable until the operator clears maintenance
  const refused = await tc.api("PUT", "/v1/nodes/cf1/states/provision", { target: "provide" });
  expect(refused.status).toBe(409);
  expect(JSON.parse(refused.json.error_message).faultstring).toContain("maintenance");
  expect((await tc.api("DELETE", "/v1/nodes/cf1/maintenance")).status).toBe(202);
  n = (await tc.api("GET", "/v1/nodes/cf1")).json;
  expect(n).toMatchObject({ maintenance: false, maintenance_reason: null, fault: null });
}, 20_000);

test("an operator's maintenance reason is kept when cleaning then fails", async () => {
  const mac = "52:54:00:20:00:02";
  await tc.enroll("cf2", mac);
  const agent = await startStandInAgent({ apiUrl: tc.url, macs: [mac], failSteps: { erase_devices_metadata: "wipefs: device busy" }, slowSteps: { erase_devices_metadata: 20 } });
  agents.push(agent);
  await tc.api("PUT", "/v1/nodes/cf2/states/provision", { target: "clean", clean_steps: [{ interface: "deploy", step: "erase_devices_metadata" }] });
  await tc.waitFor("cf2", (x) => x.clean_step?.step === "erase_devices_metadata");
  // maintenance set by hand while a step runs: the clean fails (the step's error or the
  // maintenance abort, whichever comes first) and the operator's reason survives it
  expect((await tc.api("PUT", "/v1/nodes/cf2/maintenance", { reason: "rack 4 power work" })).status).toBe(202);
  const n = await tc.waitFor("cf2", (x) => x.provision_state === "clean failed");
  expect(n.maintenance).toBe(true);
  expect(n.fault).toBe("clean failure");
  expect(n.maintenance_reason).toBe("rack 4 power work");
}, 20_000);

test("maintenance set during a clean or a deploy: the next heartbeat aborts it (clean failed / deploy failed)", async () => {
  const mac = "52:54:00:20:00:05";
  await tc.enroll("cf5", mac);
  // the step never ends on its own: only the maintenance abort can end this clean
  const agent = await startStandInAgent({ apiUrl: tc.url, macs: [mac], slowSteps: { erase_devices_metadata: 1_000_000 } });
  agents.push(agent);
  await tc.api("PUT", "/v1/nodes/cf5/states/provision", { target: "clean", clean_steps: [{ interface: "deploy", step: "erase_devices_metadata" }] });
  await tc.waitFor("cf5", (x) => x.clean_step?.step === "erase_devices_metadata");
  expect((await tc.api("PUT", "/v1/nodes/cf5/maintenance", { reason: "pulled for repair" })).status).toBe(202);
  const n = await tc.waitFor("cf5", (x) => x.provision_state === "clean failed", 5000);
  expect(n.last_error).toBe("Cleaning aborted as node is in maintenance mode");
  expect(n).toMatchObject({ maintenance: true, maintenance_reason: "pulled for repair", fault: "clean failure" });

  // a deploy: maintenance arrives while write_image runs
  const mac2 = "52:54:00:20:00:06";
  await tc.enroll("cf6", mac2);
  const agent2 = await startStandInAgent({ apiUrl: tc.url, macs: [mac2], writeImagePolls: 1_000_000 });
  agents.push(agent2);
  await tc.api("PATCH", "/v1/nodes/cf6", [
    { op: "add", path: "/instance_info/image_source", value: "http://images.example/disk.raw" },
    { op: "add", path: "/instance_info/image_checksum", value: "a".repeat(64) },
  ]);
  expect((await tc.api("PUT", "/v1/nodes/cf6/states/provision", { target: "provide" })).status).toBe(202);
  await tc.waitFor("cf6", (x) => x.provision_state === "available");
  expect((await tc.api("PUT", "/v1/nodes/cf6/states/provision", { target: "active" })).status).toBe(202);
  await tc.waitFor("cf6", (x) => x.deploy_step?.step === "write_image");
  expect((await tc.api("PUT", "/v1/nodes/cf6/maintenance", { reason: "firmware recall" })).status).toBe(202);
  const d = await tc.waitFor("cf6", (x) => x.provision_state === "deploy failed", 5000);
  expect(d.last_error).toBe("Deploy aborted as node is in maintenance mode");
  expect(d.maintenance).toBe(true);
}, 30_000);

test("a clean that fails before any step ran does not set maintenance", async () => {
  const mac = "52:54:00:20:00:03";
  await tc.enroll("cf3", mac);
  const agent = await startStandInAgent({ apiUrl: tc.url, macs: [mac] });
  agents.push(agent);
  await tc.api("PUT", "/v1/nodes/cf3/states/provision", { target: "clean", clean_steps: [{ interface: "deploy", step: "nope" }] });
  const n = await tc.waitFor("cf3", (x) => x.provision_state === "clean failed");
  expect(n.last_error).toContain("not supported");
  expect(n.maintenance).toBe(false);
  expect(n.fault).toBeNull();
  expect(n.power_state).toBe("power off");
}, 20_000);

test("a clean-wait timeout while a step runs sets maintenance too", async () => {
  const t2 = await startTestConductor({ agent: { poll_interval_s: 60, heartbeat_timeout_s: 10 }, timeouts: { clean_callback_s: 0.5, check_interval_s: 0.1 } });
  const mac = "52:54:00:20:00:04";
  const agent = await startStandInAgent({ apiUrl: t2.url, macs: [mac], slowSteps: { erase_devices_metadata: 1_000_000 } });
  try {
    await t2.api("POST", "/v1/nodes", { name: "cf4", driver: "fake-hardware" });
    await t2.api("POST", "/v1/ports", { address: mac, node_uuid: "cf4" });
    await t2.api("PUT", "/v1/nodes/cf4/states/provision", { target: "manage" });
    await t2.waitFor("cf4", (x) => x.provision_state === "manageable");
    await t2.api("PUT", "/v1/nodes/cf4/states/provision", { target: "clean", clean_steps: [{ interface: "deploy", step: "erase_devices_metadata" }] });
    await t2.waitFor("cf4", (x) => x.clean_step?.step === "erase_devices_metadata");
    agent.stop(); // the ramdisk dies mid-step
    const n = await t2.waitFor("cf4", (x) => x.provision_state === "clean failed", 5000);
    expect(n.last_error).toContain("Timeout reached");
    expect(n.maintenance).toBe(true);
    expect(n.fault).toBe("clean failure");
  } finally {
    agent.stop();
    await t2.stop();
  }
}, 20_000);
