/**
 * @module test/ipmi/ipmi-conductor.test
 * An `ipmi` node through an in-process conductor and its API, against ipmi_sim: `manage`
 * reads the power state from the BMC; a wrong password sends the node back to `enroll` with
 * a clear last_error; a malformed driver_info is a 400 naming the field at create and PATCH.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestConductor, type TestConductor } from "../conductor/helpers/harness.ts";
import { startIpmiSim, type IpmiSim } from "../support/ipmi-sim.ts";

const PASSWORD = "Cond-pw-41b7e2";
let sim: IpmiSim;
let tc: TestConductor;

const faultstring = (r: { json: any }) => JSON.parse(r.json.error_message).faultstring as string;

beforeAll(async () => {
  sim = await startIpmiSim({ password: PASSWORD, power: "on" });
  tc = await startTestConductor({
    enabled_drivers: ["ipmi", "fake-hardware"],
    ipmi: { command_timeout_s: 4, retries: 1, retry_backoff_s: 0.2, min_command_interval_s: 0.02, packet_timeout_s: 1, power_poll_interval_s: 0.1 },
  });
});
afterAll(async () => {
  await tc?.stop();
  await sim?.stop();
});

describe("manage an ipmi node", () => {
  test("with the BMC's credentials: manageable, power_state read from the BMC, password masked", async () => {
    const created = await tc.api("POST", "/v1/nodes", { name: "bmc-ok", driver: "ipmi", driver_info: sim.driverInfo() });
    expect(created.status).toBe(201);
    expect(created.json.driver_info.ipmi_password).toBe("******");
    expect((await tc.api("PUT", "/v1/nodes/bmc-ok/states/provision", { target: "manage" })).status).toBe(202);
    const n = await tc.waitFor("bmc-ok", (x) => x.provision_state === "manageable" || x.provision_state === "enroll", 20_000);
    expect(n.provision_state).toBe("manageable");
    expect(n.power_state).toBe("power on");
    expect(n.last_error).toBeNull();
    expect(sim.log().some((l) => l.endsWith("get power"))).toBe(true);
  });

  test("with a wrong password: back to enroll, last_error says authentication failed, without the password", async () => {
    await tc.api("POST", "/v1/nodes", { name: "bmc-badpw", driver: "ipmi", driver_info: sim.driverInfo({ ipmi_password: "wrong-Pass-99" }) });
    await tc.api("PUT", "/v1/nodes/bmc-badpw/states/provision", { target: "manage" });
    const n = await tc.waitFor("bmc-badpw", (x) => x.provision_state === "enroll" && x.last_error, 20_000);
    expect(n.last_error).toContain(`IPMI authentication failed for 127.0.0.1:${sim.port}: wrong password (RAKP 2 HMAC is invalid)`);
    expect(n.last_error).not.toContain("wrong-Pass-99");
    expect(n.power_state).toBeNull();
  });

  test("without ipmi_address: back to enroll with Ironic's message, no BMC call", async () => {
    await tc.api("POST", "/v1/nodes", { name: "bmc-none", driver: "ipmi", driver_info: { ipmi_username: "admin" } });
    await tc.api("PUT", "/v1/nodes/bmc-none/states/provision", { target: "manage" });
    const n = await tc.waitFor("bmc-none", (x) => x.provision_state === "enroll" && x.last_error);
    // Ironic's do_node_verify wording around the driver's reason
    expect(n.last_error).toBe(`Failed to validate power driver interface for node ${n.uuid}. Error: Missing the following IPMI credentials in node's driver_info: ipmi_address.`);
  });
});

describe("malformed driver_info is refused at the API, naming the field", () => {
  test("at create: 400", async () => {
    const r = await tc.api("POST", "/v1/nodes", { name: "bad-port", driver: "ipmi", driver_info: { ipmi_address: "127.0.0.1", ipmi_port: "70000" } });
    expect(r.status).toBe(400);
    expect(faultstring(r)).toBe('Invalid driver_info: ipmi_port "70000" is not a valid port.');
    expect((await tc.api("GET", "/v1/nodes/bad-port")).status).toBe(404);
  });

  test("at PATCH: 400 and the node unchanged; a good PATCH still works", async () => {
    const bad = await tc.api("PATCH", "/v1/nodes/bmc-ok", [{ op: "add", path: "/driver_info/ipmi_cipher_suite", value: "fast" }]);
    expect(bad.status).toBe(400);
    expect(faultstring(bad)).toBe('Invalid driver_info: ipmi_cipher_suite "fast" is not a number.');
    expect((await tc.api("GET", "/v1/nodes/bmc-ok")).json.driver_info.ipmi_cipher_suite).toBeUndefined();
    const good = await tc.api("PATCH", "/v1/nodes/bmc-ok", [{ op: "add", path: "/driver_info/ipmi_cipher_suite", value: "3" }]);
    expect(good.status).toBe(200);
    expect(good.json.driver_info.ipmi_cipher_suite).toBe("3");
  });

  test("switching a node's driver to ipmi checks its driver_info too", async () => {
    await tc.api("POST", "/v1/nodes", { name: "was-fake", driver: "fake-hardware", driver_info: { ipmi_priv_level: "ROOT" } });
    const r = await tc.api("PATCH", "/v1/nodes/was-fake", [{ op: "replace", path: "/driver", value: "ipmi" }]);
    expect(r.status).toBe(400);
    expect(faultstring(r)).toContain("ipmi_priv_level: Invalid privilege level value:ROOT");
  });
});
