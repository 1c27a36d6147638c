/**
 * @module test/ipmi/ipmi-power-api.test
 * An `ipmi` node against OpenIPMI's ipmi_sim, driven through the conductor's Ironic API, the
 * `baremetal` CLI (python3-ironicclient, unchanged) and `teeth node`: power on/off/soft
 * off/reboot/status, boot device set/show/supported, validate, a power change made behind the
 * conductor's back noticed by the power-state sync loop, and a BMC that stops answering.
 * Prints the measured time from a power-on request to `power on` in the API (not asserted).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { startTestConductor, type TestConductor } from "../conductor/helpers/harness.ts";
import { startIpmiSim, type IpmiSim } from "../support/ipmi-sim.ts";

const PASSWORD = "PwrApi-pw-5c1d9a";
const BAREMETAL = Bun.which("baremetal");
const ROOT = join(import.meta.dir, "../..");
let sim: IpmiSim;
let tc: TestConductor;
let uuid: string;

async function run(cmd: string[], env: Record<string, string> = {}) {
  const p = Bun.spawn(cmd, { env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe", cwd: ROOT });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  return { code: await p.exited, out, err };
}
const bm = (...args: string[]) => run([BAREMETAL!, ...args], { OS_AUTH_TYPE: "none", OS_ENDPOINT: tc.url });
const teeth = (...args: string[]) => run([process.execPath, join(ROOT, "main.ts"), ...args, "--url", tc.url]);

/** Requests `target` and waits until the API shows the action finished; returns the node and the ms it took. */
async function power(target: string, extra: Record<string, unknown> = {}) {
  const t0 = performance.now();
  const r = await tc.api("PUT", `/v1/nodes/${uuid}/states/power`, { target, ...extra });
  expect(r.status).toBe(202);
  const n = await tc.waitFor(uuid, (x) => !x.target_power_state, 60_000);
  return { node: n, ms: performance.now() - t0 };
}

beforeAll(async () => {
  sim = await startIpmiSim({ password: PASSWORD, power: "off", softOffDelayS: 0.3 });
  tc = await startTestConductor({
    enabled_drivers: ["ipmi", "fake-hardware"],
    ipmi: { command_timeout_s: 3, retries: 1, retry_backoff_s: 0.2, min_command_interval_s: 0.02, packet_timeout_s: 1, power_poll_interval_s: 0.1 },
    power: { sync_power_state_interval: 0.5, power_failure_recovery_interval: 0.5, power_state_sync_max_retries: 2 },
  });
  const created = await tc.api("POST", "/v1/nodes", { name: "ipmi-1", driver: "ipmi", driver_info: sim.driverInfo() });
  expect(created.status).toBe(201);
  uuid = created.json.uuid;
  await tc.api("PUT", "/v1/nodes/ipmi-1/states/provision", { target: "manage" });
  const n = await tc.waitFor("ipmi-1", (x) => !x.target_provision_state, 20_000);
  expect([n.provision_state, n.power_state, n.last_error]).toEqual(["manageable", "power off", null]);
}, 60_000);
afterAll(async () => {
  await tc?.destroy();
  await sim?.stop();
});

describe("through the API", () => {
  test("power on, status, soft power off, reboot, power off: the BMC follows, the API records it", async () => {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const on = await power("power on");
      expect([on.node.power_state, on.node.last_error, sim.power()]).toEqual(["power on", null, "on"]);
      times.push(on.ms);
      const off = await power("power off");
      expect([off.node.power_state, sim.power()]).toEqual(["power off", "off"]);
    }
    console.log(`ipmi power-on request -> "power on" in the API: ${times.map((t) => t.toFixed(0)).join(", ")} ms`);

    await power("power on");
    let since = sim.log().length;
    const soft = await power("soft power off", { timeout: 20 });
    expect([soft.node.power_state, soft.node.last_error, sim.power()]).toEqual(["power off", null, "off"]);
    // the OS powered off on the ACPI request: not a hard "set power 0"
    expect(sim.actions(since)).toContain("os powered off after soft-off request");
    expect(sim.actions(since)).not.toContain("set power 0");

    await power("power on");
    since = sim.log().length;
    const reboot = await power("rebooting");
    expect([reboot.node.power_state, reboot.node.last_error, sim.power()]).toEqual(["power on", null, "on"]);
    expect(sim.actions(since)).toEqual(expect.arrayContaining(["set power 0", "set power 1"]));

    const states = await tc.api("GET", "/v1/nodes/ipmi-1/states");
    expect(states.json).toMatchObject({ power_state: "power on", target_power_state: null });
  }, 120_000);

  test("boot device set/show/supported and validate", async () => {
    let r = await tc.api("PUT", "/v1/nodes/ipmi-1/management/boot_device", { boot_device: "pxe", persistent: true });
    expect(r.status).toBe(204);
    expect(sim.bootDevice()).toBe("pxe");
    r = await tc.api("GET", "/v1/nodes/ipmi-1/management/boot_device");
    // ipmi_sim answers boot parameter 5 without the persistent bit (see test/ipmi/ipmi-driver.test.ts)
    expect(r.json).toEqual({ boot_device: "pxe", persistent: false });
    r = await tc.api("PUT", "/v1/nodes/ipmi-1/management/boot_device", { boot_device: "disk" });
    expect(r.status).toBe(204);
    expect(sim.bootDevice()).toBe("default");
    r = await tc.api("GET", "/v1/nodes/ipmi-1/management/boot_device/supported");
    expect(r.json.supported_boot_devices).toEqual(expect.arrayContaining(["pxe", "disk"]));
    r = await tc.api("GET", "/v1/nodes/ipmi-1/validate");
    expect([r.json.power, r.json.management, r.json.console]).toEqual([
      { result: true },
      { result: true },
      { result: false, reason: "Driver ipmi does not support console (disabled or not implemented)." },
    ]);
  }, 60_000);

  test("a power change behind the conductor's back is noticed by the sync loop", async () => {
    await power("power on");
    sim.setPower(false); // someone pressed the button
    const t0 = performance.now();
    const n = await tc.waitFor("ipmi-1", (x) => x.power_state === "power off", 20_000);
    console.log(`out-of-band power off noticed by the sync loop after ${(performance.now() - t0).toFixed(0)} ms (interval 0.5 s)`);
    expect([n.maintenance, n.last_error]).toEqual([false, null]);
  }, 30_000);

  test("a BMC that stops answering: the power action fails with the reason; the sync puts the node into maintenance; it recovers", async () => {
    sim.freeze();
    try {
      const r = await power("power on");
      expect(r.node.power_state).toBe("power off");
      expect(r.node.last_error).toMatch(/^Failed to change power state to 'power on': /);
      expect(r.node.last_error).toContain(`127.0.0.1:${sim.port}`);
      expect(r.node.last_error).not.toContain(PASSWORD);
      const m = await tc.waitFor("ipmi-1", (x) => x.maintenance, 90_000);
      expect(m.fault).toBe("power failure");
      expect(m.maintenance_reason).toContain("During sync_power_state, max retries exceeded");
    } finally {
      sim.thaw();
    }
    const back = await tc.waitFor("ipmi-1", (x) => !x.maintenance, 30_000);
    expect([back.fault, back.power_state]).toEqual([null, "power off"]);
  }, 180_000);
});

describe.skipIf(!BAREMETAL)("through the baremetal CLI", () => {
  test("node power on/off, reboot, boot device set/show, validate", async () => {
    expect((await bm("node", "power", "on", "ipmi-1")).code).toBe(0);
    await tc.waitFor("ipmi-1", (x) => x.power_state === "power on" && !x.target_power_state, 30_000);
    expect(sim.power()).toBe("on");
    expect((await bm("node", "power", "off", "ipmi-1")).code).toBe(0);
    await tc.waitFor("ipmi-1", (x) => x.power_state === "power off" && !x.target_power_state, 30_000);
    expect(sim.power()).toBe("off");
    expect((await bm("node", "reboot", "ipmi-1")).code).toBe(0);
    await tc.waitFor("ipmi-1", (x) => x.power_state === "power on" && !x.target_power_state, 30_000);
    expect(sim.power()).toBe("on");
    let r = await bm("node", "show", "ipmi-1", "-f", "value", "-c", "power_state");
    expect(r.out.trim()).toBe("power on");

    expect((await bm("node", "boot", "device", "set", "ipmi-1", "pxe")).code).toBe(0);
    expect(sim.bootDevice()).toBe("pxe");
    r = await bm("node", "boot", "device", "show", "ipmi-1", "-f", "json");
    expect(JSON.parse(r.out).boot_device).toBe("pxe");
    r = await bm("node", "boot", "device", "show", "--supported", "ipmi-1", "-f", "json");
    expect(JSON.parse(r.out).supported_boot_devices).toContain("pxe");
    r = await bm("node", "validate", "ipmi-1", "-f", "json");
    const rows = Object.fromEntries(JSON.parse(r.out).map((x: any) => [x.Interface, x.Result]));
    expect([rows.power, rows.management]).toEqual([true, true]);
  }, 120_000);
});

describe("through teeth node", () => {
  test("power off and on wait for the state; validate shows the table", async () => {
    let r = await teeth("node", "power", "off", "ipmi-1");
    expect([r.code, r.out]).toEqual([0, "ipmi-1: power off\n"]);
    expect(sim.power()).toBe("off");
    r = await teeth("node", "power", "on", "ipmi-1");
    expect([r.code, r.out]).toEqual([0, "ipmi-1: power on\n"]);
    r = await teeth("node", "boot-device", "show", "ipmi-1", "--supported");
    expect(r.out).toContain("pxe");
    r = await teeth("node", "validate", "ipmi-1");
    expect(r.out).toMatch(/^power\s+true$/m);
  }, 60_000);
});
