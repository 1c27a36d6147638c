/**
 * Ironic's power and management endpoints on the conductor: `PUT .../states/power` (background
 * action, target visible while it runs, the node's lock, the BMC's error in last_error,
 * Ironic's refusals), `.../management/boot_device` (set, show, supported), `.../validate`,
 * `manage` through a failing BMC, and the driver_info shape check on create and PATCH.
 * Driven through a scripted BMC (a test driver honouring the driver contract) and fake-hardware.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { conductorError } from "../../conductor/errors.ts";
import { parseIronicError } from "../../protocol/ironic-api.ts";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";
import { createScriptedBmc, type ScriptedBmc } from "./helpers/scripted-bmc.ts";

let tc: TestConductor;
let bmc: ScriptedBmc;
const unreachable = () => conductorError("BMC_UNREACHABLE", { driver: "scripted-bmc", bmc: "127.0.0.1:6230", reason: "no answer to RMCP+ open session" });

const fault = (r: { text: string }) => parseIronicError(r.text);

async function node(name: string, body: Record<string, unknown> = {}) {
  const r = await tc.api("POST", "/v1/nodes", { name, driver: "scripted-bmc", ...body });
  expect(r.status).toBe(201);
  return r.json.uuid as string;
}

beforeAll(async () => {
  bmc = createScriptedBmc();
  tc = await startTestConductor(
    { enabled_drivers: ["fake-hardware", "scripted-bmc"], power: { action_timeout_s: 45, soft_power_off_timeout_s: 300, sync_power_state_interval: 0 } },
    undefined,
    undefined,
    { extraDrivers: [bmc] },
  );
});
afterAll(() => tc.destroy());
beforeEach(() => {
  bmc.failWith = null;
  bmc.calls.length = 0;
});

describe("PUT /v1/nodes/{id}/states/power", () => {
  test("202 with Location; target_power_state while it runs, the node locked; power_state at the end", async () => {
    const uuid = await node("p-run");
    const open = bmc.hold();
    try {
      const r = await fetch(`${tc.url}/v1/nodes/${uuid}/states/power`, { method: "PUT", headers: { "Content-Type": "application/json" }, body: '{"target":"power on"}' });
      expect(r.status).toBe(202);
      expect(await r.text()).toBe("");
      expect(r.headers.get("location")).toBe(`${tc.url}/v1/nodes/${uuid}/states`);
      const n = (await tc.api("GET", "/v1/nodes/p-run")).json;
      expect(n).toMatchObject({ power_state: null, target_power_state: "power on", reservation: tc.conductor.ctx.hostname });
      const busy = await tc.api("PUT", "/v1/nodes/p-run/states/power", { target: "power off" });
      expect(busy.status).toBe(409);
      expect(fault(busy)).toContain(`Node ${uuid} is locked by host`);
    } finally {
      open();
    }
    const n = await tc.waitFor("p-run", (x) => x.target_power_state === null);
    expect(n).toMatchObject({ power_state: "power on", last_error: null, reservation: null });
    expect(bmc.state.get(uuid)).toBe("power on");
  });

  test("a BMC failure lands in last_error with the driver's message; the target is cleared", async () => {
    const uuid = await node("p-fail");
    bmc.state.set(uuid, "power on");
    await tc.api("PUT", "/v1/nodes/p-fail/states/power", { target: "power on" });
    await tc.waitFor("p-fail", (x) => x.power_state === "power on" && !x.target_power_state);
    bmc.failWith = unreachable();
    expect((await tc.api("PUT", "/v1/nodes/p-fail/states/power", { target: "rebooting" })).status).toBe(202);
    const n = await tc.waitFor("p-fail", (x) => x.target_power_state === null && x.last_error);
    expect(n.last_error).toBe("Failed to change power state to 'power on' by 'rebooting': scripted-bmc BMC 127.0.0.1:6230 is unreachable: no answer to RMCP+ open session");
    expect(n.power_state).toBe("power on");
    // the next request clears last_error, as Ironic's change_node_power_state does
    bmc.failWith = null;
    await tc.api("PUT", "/v1/nodes/p-fail/states/power", { target: "power off" });
    expect((await tc.waitFor("p-fail", (x) => x.power_state === "power off" && !x.target_power_state)).last_error).toBeNull();
  });

  test("the request's timeout reaches the driver; else the configured hard or soft bound", async () => {
    const uuid = await node("p-timeout");
    bmc.state.set(uuid, "power on");
    for (const [body, expected] of [
      [{ target: "rebooting", timeout: 7 }, 7],
      [{ target: "rebooting" }, 45],
      [{ target: "soft rebooting" }, 300],
      [{ target: "soft power off", timeout: "12" }, 12],
    ] as const) {
      bmc.state.set(uuid, "power on");
      bmc.calls.length = 0;
      expect((await tc.api("PUT", "/v1/nodes/p-timeout/states/power", body)).status).toBe(202);
      await tc.waitFor("p-timeout", (x) => !x.target_power_state);
      expect({ body, timeoutS: bmc.calls.find((c) => c.method === "setPowerState")?.timeoutS }).toEqual({ body, timeoutS: expected });
    }
  });

  test("power on when the BMC says it is already on asks nothing more of the BMC (Ironic's skip)", async () => {
    const uuid = await node("p-skip");
    bmc.state.set(uuid, "power on");
    await tc.api("PUT", "/v1/nodes/p-skip/states/power", { target: "power on" });
    const n = await tc.waitFor("p-skip", (x) => !x.target_power_state && x.power_state);
    expect(n.power_state).toBe("power on");
    expect(bmc.count("setPowerState")).toBe(0);
    expect(bmc.count("getPowerState")).toBe(1);
  });

  test("powering off forgets the node's agent (its URL and token die with the OS)", async () => {
    const uuid = await node("p-wipe");
    bmc.state.set(uuid, "power on");
    tc.conductor.store.nodes.update(uuid, { power_state: "power on", agent_url: "https://127.0.0.1:9999", agent_token: "t0k3n" });
    await tc.api("PUT", "/v1/nodes/p-wipe/states/power", { target: "power off" });
    await tc.waitFor("p-wipe", (x) => x.power_state === "power off" && !x.target_power_state);
    expect(tc.conductor.store.nodes.get(uuid)).toMatchObject({ agent_url: null, agent_token: null });
  });

  test("refusals with Ironic's status and text", async () => {
    await node("p-bad");
    const put = (body: unknown, version = "1.82") => tc.api("PUT", "/v1/nodes/p-bad/states/power", body, { "X-OpenStack-Ironic-API-Version": version });
    let r = await put({ target: "bogus" });
    expect([r.status, fault(r)]).toEqual([400, 'The requested action "bogus" can not be performed on node "p-bad" while it is in state "None".']);
    for (const timeout of [0, -3]) {
      r = await put({ target: "power on", timeout });
      expect([r.status, fault(r)]).toEqual([400, "timeout has to be positive integer"]);
    }
    r = await put({ target: "power on", timeout: "abc" });
    expect(r.status).toBe(400);
    expect(fault(r)).toContain("timeout");
    for (const body of [{ target: "soft power off" }, { target: "soft rebooting" }, { target: "power on", timeout: 5 }]) {
      r = await put(body, "1.26");
      expect({ body, status: r.status, fault: fault(r) }).toEqual({ body, status: 406, fault: "Request not acceptable." });
    }
    expect((await put({ target: "power on", timeout: null }, "1.26")).status).toBe(202);
    await tc.waitFor("p-bad", (x) => !x.target_power_state);
    r = await put({ target: "power on", x: 1 });
    expect(r.status).toBe(400);
    r = await tc.api("PUT", "/v1/nodes/nope/states/power", { target: "power on" });
    expect([r.status, fault(r)]).toEqual([404, "Node nope could not be found."]);
  });

  test("refused while cleaning, and for a node whose driver info does not validate", async () => {
    const uuid = await node("p-clean");
    for (const state of ["cleaning", "clean wait"]) {
      tc.conductor.store.nodes.update(uuid, { provision_state: state });
      const r = await tc.api("PUT", "/v1/nodes/p-clean/states/power", { target: "power on" });
      expect([r.status, fault(r)]).toEqual([400, `The requested action "power on" can not be performed on node "p-clean" while it is in state "${state}".`]);
    }
    await node("p-invalid", { driver_info: { scripted_broken: true } });
    const r = await tc.api("PUT", "/v1/nodes/p-invalid/states/power", { target: "power on" });
    expect([r.status, fault(r)]).toEqual([400, "Missing the following scripted credentials in node's driver_info: scripted_address."]);
    expect(bmc.calls.length).toBe(0);
    // the refusal released the lock
    expect((await tc.api("PATCH", "/v1/nodes/p-invalid", [{ op: "remove", path: "/driver_info/scripted_broken" }])).status).toBe(200);
  });
});

describe("/v1/nodes/{id}/management/boot_device", () => {
  test("set, show and supported", async () => {
    await node("b-1");
    let r = await tc.api("GET", "/v1/nodes/b-1/management/boot_device");
    expect([r.status, r.json]).toEqual([200, { boot_device: null, persistent: null }]);
    r = await tc.api("GET", "/v1/nodes/b-1/management/boot_device/supported");
    expect([r.status, r.json]).toEqual([200, { supported_boot_devices: ["pxe", "disk"] }]);
    r = await tc.api("PUT", "/v1/nodes/b-1/management/boot_device", { boot_device: "disk", persistent: true });
    expect([r.status, r.text]).toEqual([204, ""]);
    expect((await tc.api("GET", "/v1/nodes/b-1/management/boot_device")).json).toEqual({ boot_device: "disk", persistent: true });
    await tc.api("PUT", "/v1/nodes/b-1/management/boot_device", { boot_device: "pxe", persistent: "false" });
    expect((await tc.api("GET", "/v1/nodes/b-1/management/boot_device")).json).toEqual({ boot_device: "pxe", persistent: false });
  });

  test("an unsupported device is Ironic's 400 before the BMC is asked; bad bodies are 400", async () => {
    await node("b-2");
    for (const device of ["cdrom", "floppy"]) {
      const r = await tc.api("PUT", "/v1/nodes/b-2/management/boot_device", { boot_device: device });
      expect([r.status, fault(r)]).toEqual([400, `Invalid boot device ${device} specified.`]);
    }
    expect(bmc.count("setBootDevice")).toBe(0);
    for (const body of [{}, { boot_device: "pxe", persistent: "maybe" }, { boot_device: "pxe", bogus: 1 }, { boot_device: 5 }]) {
      const r = await tc.api("PUT", "/v1/nodes/b-2/management/boot_device", body);
      expect({ body, status: r.status }).toEqual({ body, status: 400 });
    }
    const r = await tc.api("GET", "/v1/nodes/nope/management/boot_device");
    expect([r.status, fault(r)]).toEqual([404, "Node nope could not be found."]);
  });

  test("a BMC error is the catalogued error; a locked node is 409; a driver that cannot work is 400", async () => {
    const uuid = await node("b-3");
    bmc.failWith = unreachable();
    let r = await tc.api("PUT", "/v1/nodes/b-3/management/boot_device", { boot_device: "pxe" });
    expect([r.status, fault(r)]).toEqual([502, "scripted-bmc BMC 127.0.0.1:6230 is unreachable: no answer to RMCP+ open session"]);
    r = await tc.api("GET", "/v1/nodes/b-3/management/boot_device");
    expect(r.status).toBe(502);
    bmc.failWith = null;
    const release = tc.conductor.ctx.locks.tryLock(uuid, "test")!;
    r = await tc.api("PUT", "/v1/nodes/b-3/management/boot_device", { boot_device: "pxe" });
    expect(r.status).toBe(409);
    release();
    await node("b-4", { driver_info: { scripted_broken: true } });
    r = await tc.api("GET", "/v1/nodes/b-4/management/boot_device");
    expect([r.status, fault(r)]).toEqual([400, "Missing the following scripted credentials in node's driver_info: scripted_address."]);
  });
});

describe("GET /v1/nodes/{id}/validate", () => {
  test("every interface Ironic 21.4 reports, with its wording; deploy follows instance_info", async () => {
    const uuid = await node("v-1");
    let r = await tc.api("GET", "/v1/nodes/v-1/validate");
    expect(r.status).toBe(200);
    expect(Object.keys(r.json)).toEqual(["boot", "deploy", "management", "network", "power", "bios", "console", "inspect", "raid", "rescue", "storage"]);
    for (const i of ["boot", "management", "network", "power", "storage", "inspect"]) expect({ i, v: r.json[i] }).toEqual({ i, v: { result: true } });
    for (const i of ["bios", "console", "raid", "rescue"]) {
      expect({ i, v: r.json[i] }).toEqual({ i, v: { result: false, reason: `Driver scripted-bmc does not support ${i} (disabled or not implemented).` } });
    }
    expect(r.json.deploy).toEqual({
      result: false,
      reason: `Node ${uuid} failed to validate deploy image info. Some parameters were missing. Missing are: ['instance_info.image_source']`,
    });
    await tc.api("PATCH", "/v1/nodes/v-1", [
      { op: "add", path: "/instance_info/image_source", value: "http://127.0.0.1:1/os.raw" },
      { op: "add", path: "/instance_info/image_os_hash_algo", value: "sha256" },
      { op: "add", path: "/instance_info/image_os_hash_value", value: "a".repeat(64) },
    ]);
    expect((await tc.api("GET", "/v1/nodes/v-1/validate")).json.deploy).toEqual({ result: true });
    await tc.api("PATCH", "/v1/nodes/v-1", [{ op: "add", path: "/driver_info/scripted_broken", value: true }]);
    r = await tc.api("GET", "/v1/nodes/v-1/validate");
    for (const i of ["boot", "management", "power"]) {
      expect({ i, v: r.json[i] }).toEqual({ i, v: { result: false, reason: "Missing the following scripted credentials in node's driver_info: scripted_address." } });
    }
    expect(bmc.calls.length).toBe(0);
    expect((await tc.api("GET", "/v1/nodes/nope/validate")).status).toBe(404);
  });
});

describe("manage through the BMC", () => {
  test("an unreachable BMC sends the node back to enroll with Ironic's message and the BMC's reason", async () => {
    const uuid = await node("m-1");
    bmc.failWith = unreachable();
    expect((await tc.api("PUT", "/v1/nodes/m-1/states/provision", { target: "manage" })).status).toBe(202);
    const n = await tc.waitFor("m-1", (x) => x.provision_state === "enroll" && !x.target_provision_state);
    expect(n.last_error).toBe(`Failed to get power state for node ${uuid}. Error: scripted-bmc BMC 127.0.0.1:6230 is unreachable: no answer to RMCP+ open session`);
    bmc.failWith = null;
    bmc.state.set(uuid, "power on");
    await tc.api("PUT", "/v1/nodes/m-1/states/provision", { target: "manage" });
    expect(await tc.waitFor("m-1", (x) => x.provision_state === "manageable")).toMatchObject({ power_state: "power on", last_error: null });
  });

  test("driver info that does not validate: back to enroll without a BMC call", async () => {
    const uuid = await node("m-2", { driver_info: { scripted_broken: true } });
    await tc.api("PUT", "/v1/nodes/m-2/states/provision", { target: "manage" });
    const n = await tc.waitFor("m-2", (x) => x.provision_state === "enroll" && !x.target_provision_state);
    expect(n.last_error).toBe(`Failed to validate power driver interface for node ${uuid}. Error: Missing the following scripted credentials in node's driver_info: scripted_address.`);
    expect(bmc.calls.length).toBe(0);
  });
});

describe("driver_info shape", () => {
  test("a malformed field is a 400 naming it, on create and on PATCH; the node is unchanged", async () => {
    let r = await tc.api("POST", "/v1/nodes", { name: "d-1", driver: "scripted-bmc", driver_info: { scripted_port: 70000 } });
    expect([r.status, fault(r)]).toEqual([400, "Invalid driver_info: scripted_port must be an integer between 1 and 65535, got 70000"]);
    expect((await tc.api("GET", "/v1/nodes/d-1")).status).toBe(404);
    await node("d-1", { driver_info: { scripted_port: 623 } });
    r = await tc.api("PATCH", "/v1/nodes/d-1", [{ op: "replace", path: "/driver_info/scripted_port", value: "623x" }]);
    expect([r.status, fault(r)]).toEqual([400, 'Invalid driver_info: scripted_port must be an integer between 1 and 65535, got "623x"']);
    expect((await tc.api("GET", "/v1/nodes/d-1")).json.driver_info.scripted_port).toBe(623);
    // switching to a driver checks the existing driver_info against it
    r = await tc.api("POST", "/v1/nodes", { name: "d-2", driver: "fake-hardware", driver_info: { scripted_port: 0 } });
    expect(r.status).toBe(201);
    r = await tc.api("PATCH", "/v1/nodes/d-2", [{ op: "replace", path: "/driver", value: "scripted-bmc" }]);
    expect(r.status).toBe(400);
  });
});

describe("restart", () => {
  test("a power action cut short by a restart does not leave its target behind", async () => {
    const t1 = await startTestConductor();
    const r = await t1.api("POST", "/v1/nodes", { name: "rs-1", driver: "fake-hardware" });
    t1.conductor.store.nodes.update(r.json.uuid, { target_power_state: "power on" });
    await t1.stop();
    const t2 = await startTestConductor({}, t1.dataDir);
    try {
      const n = (await t2.api("GET", "/v1/nodes/rs-1")).json;
      expect(n.target_power_state).toBeNull();
      expect(n.last_error).toContain("restarted during a power action to 'power on'");
    } finally {
      await t2.destroy();
    }
  });
});
