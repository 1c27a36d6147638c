/**
 * A `redfish` node through an in-process conductor and the mock BMC: `manage` verifies the
 * node by reading its power state from the BMC; a wrong password sends it back to `enroll`
 * with a clear last_error (and the password nowhere in the API's answers).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { startTestConductor, type TestConductor } from "../conductor/helpers/harness.ts";
import { startRedfishMock, type RedfishMock } from "../support/redfish-mock.ts";

const PASSWORD = "Qw7-conductor-secret";
let bmc: RedfishMock;
let t: TestConductor;
let stopped = false;

beforeAll(async () => {
  bmc = await startRedfishMock({ username: "admin", password: PASSWORD, initialPower: "On" });
  t = await startTestConductor({ enabled_drivers: ["fake-hardware", "redfish"], redfish: { request_timeout_s: 5, poll_interval_s: 0.05 } });
});

afterAll(async () => {
  if (!stopped) await t?.stop();
  if (t) rmSync(t.dataDir, { recursive: true, force: true });
  await bmc?.stop();
});

const info = (password: string) => ({ redfish_address: bmc.url, redfish_username: "admin", redfish_password: password, redfish_verify_ca: bmc.caPath });

test("manage verifies a redfish node: manageable, with power_state read from the BMC", async () => {
  const created = await t.api("POST", "/v1/nodes", { name: "rf-good", driver: "redfish", driver_info: info(PASSWORD) });
  expect(created.status).toBe(201);
  expect(created.text).not.toContain(PASSWORD);
  expect((await t.api("PUT", "/v1/nodes/rf-good/states/provision", { target: "manage" })).status).toBe(202);
  const n = await t.waitFor("rf-good", (x) => x.provision_state === "manageable" || x.provision_state === "enroll");
  expect(n.provision_state).toBe("manageable");
  expect(n.power_state).toBe("power on");
  expect(n.last_error).toBeNull();
  expect(bmc.requests.some((r) => r.path === "/redfish/v1/Systems/437XR1138R2" && r.auth === "session")).toBe(true);
});

test("a wrong password sends the node back to enroll with a clear last_error", async () => {
  expect((await t.api("POST", "/v1/nodes", { name: "rf-bad", driver: "redfish", driver_info: info("wrong-password") })).status).toBe(201);
  expect((await t.api("PUT", "/v1/nodes/rf-bad/states/provision", { target: "manage" })).status).toBe(202);
  const n = await t.waitFor("rf-bad", (x) => x.provision_state === "enroll" && x.target_provision_state === null && !!x.last_error);
  expect(n.last_error).toContain(`redfish authentication failed for ${bmc.url}: the BMC refused the credentials of user "admin" (HTTP 401`);
  expect(n.last_error).not.toContain("wrong-password");
  const shown = await t.api("GET", "/v1/nodes/rf-bad");
  expect(shown.text).not.toContain("wrong-password");
});

test("a redfish node without redfish_address stays in enroll with Ironic's message", async () => {
  const created = await t.api("POST", "/v1/nodes", { name: "rf-none", driver: "redfish", driver_info: { redfish_username: "admin" } });
  expect((await t.api("PUT", "/v1/nodes/rf-none/states/provision", { target: "manage" })).status).toBe(202);
  const n = await t.waitFor("rf-none", (x) => x.provision_state === "enroll" && !!x.last_error);
  // Ironic's do_node_verify wording around the driver's reason
  expect(n.last_error).toBe(
    `Failed to validate power driver interface for node ${created.json.uuid}. Error: Missing the following Redfish properties in node ${created.json.uuid} driver_info: ['redfish_address']`,
  );
});

test("stopping the conductor logs its Redfish session out", async () => {
  expect(bmc.sessions()).toBe(1);
  stopped = true;
  await t.stop();
  expect(bmc.sessions()).toBe(0);
});
