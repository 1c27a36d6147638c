/**
 * A `redfish` node against the DMTF-shaped mock BMC through the conductor's Ironic API and
 * `baremetal`: power on/off/reboot/soft off, boot device set/show/supported, validate, and a
 * power change made at the machine noticed by the power-state sync loop.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { startTestConductor, type TestConductor } from "../conductor/helpers/harness.ts";
import { startRedfishMock, type RedfishMock } from "../support/redfish-mock.ts";

const PASSWORD = "Rf-power-api-7d3e";
const BAREMETAL = Bun.which("baremetal");
let bmc: RedfishMock;
let t: TestConductor;

beforeAll(async () => {
  bmc = await startRedfishMock({ username: "admin", password: PASSWORD, initialPower: "Off", powerDelayMs: 100 });
  t = await startTestConductor({
    enabled_drivers: ["fake-hardware", "redfish"],
    redfish: { request_timeout_s: 5, poll_interval_s: 0.05 },
    power: { sync_power_state_interval: 0.3, power_failure_recovery_interval: 0 },
  });
  const info = { redfish_address: bmc.url, redfish_username: "admin", redfish_password: PASSWORD, redfish_verify_ca: bmc.caPath };
  expect((await t.api("POST", "/v1/nodes", { name: "rf-1", driver: "redfish", driver_info: info })).status).toBe(201);
  await t.api("PUT", "/v1/nodes/rf-1/states/provision", { target: "manage" });
  expect((await t.waitFor("rf-1", (x) => !x.target_provision_state)).provision_state).toBe("manageable");
});
afterAll(async () => {
  await t?.stop();
  if (t) rmSync(t.dataDir, { recursive: true, force: true });
  await bmc?.stop();
});

async function power(target: string) {
  expect((await t.api("PUT", "/v1/nodes/rf-1/states/power", { target })).status).toBe(202);
  return t.waitFor("rf-1", (x) => !x.target_power_state, 20_000);
}

test("power actions reach the BMC and the recorded state follows", async () => {
  for (const [target, api, mock] of [
    ["power on", "power on", "On"],
    ["rebooting", "power on", "On"],
    ["soft power off", "power off", "Off"],
    ["power on", "power on", "On"],
    ["power off", "power off", "Off"],
  ] as const) {
    const n = await power(target);
    expect({ target, state: [n.power_state, n.last_error, bmc.state().PowerState] }).toEqual({ target, state: [api, null, mock] });
  }
  const resets = bmc.requests.filter((r) => r.path.endsWith("/Actions/ComputerSystem.Reset")).map((r) => (r.body as any).ResetType);
  expect(resets).toContain("GracefulShutdown");
});

test("boot device, supported devices and validate", async () => {
  expect((await t.api("PUT", "/v1/nodes/rf-1/management/boot_device", { boot_device: "pxe", persistent: true })).status).toBe(204);
  expect([bmc.state().BootSourceOverrideTarget, bmc.state().BootSourceOverrideEnabled]).toEqual(["Pxe", "Continuous"]);
  expect((await t.api("GET", "/v1/nodes/rf-1/management/boot_device")).json).toEqual({ boot_device: "pxe", persistent: true });
  expect((await t.api("GET", "/v1/nodes/rf-1/management/boot_device/supported")).json.supported_boot_devices).toEqual(expect.arrayContaining(["pxe", "disk"]));
  const v = (await t.api("GET", "/v1/nodes/rf-1/validate")).json;
  expect([v.power, v.management, v.boot]).toEqual([{ result: true }, { result: true }, { result: true }]);
});

test("a power change at the machine is noticed by the sync loop", async () => {
  expect((await power("power on")).power_state).toBe("power on");
  bmc.setPowerOutOfBand("Off");
  const n = await t.waitFor("rf-1", (x) => x.power_state === "power off", 10_000);
  expect(n.maintenance).toBe(false);
});

test.skipIf(!BAREMETAL)("baremetal node power and boot device", async () => {
  const bm = async (...args: string[]) => {
    const p = Bun.spawn([BAREMETAL!, ...args], { env: { ...process.env, OS_AUTH_TYPE: "none", OS_ENDPOINT: t.url }, stdout: "pipe", stderr: "pipe" });
    const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
    return { code: await p.exited, out, err };
  };
  expect((await bm("node", "power", "on", "rf-1")).code).toBe(0);
  await t.waitFor("rf-1", (x) => x.power_state === "power on" && !x.target_power_state, 20_000);
  expect(bmc.state().PowerState).toBe("On");
  expect((await bm("node", "boot", "device", "set", "rf-1", "disk")).code).toBe(0);
  const r = await bm("node", "boot", "device", "show", "rf-1", "-f", "json");
  expect(JSON.parse(r.out).boot_device).toBe("disk");
}, 60_000);
