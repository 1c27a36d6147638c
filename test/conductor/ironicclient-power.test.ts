/**
 * Debian's python3-ironicclient 5.0.1 (`baremetal`), unchanged, drives the conductor's power
 * and management endpoints: `node power on|off [--soft] [--power-timeout]`, `node reboot
 * [--soft]`, `node boot device set|show [--supported]`, `node validate`; the BMC (scripted)
 * sees exactly what was asked, and refusals reach the client's error output.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { conductorError } from "../../conductor/errors.ts";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";
import { createScriptedBmc, type ScriptedBmc } from "./helpers/scripted-bmc.ts";

const BAREMETAL = Bun.which("baremetal");
let tc: TestConductor;
let bmc: ScriptedBmc;

beforeAll(async () => {
  bmc = createScriptedBmc();
  tc = await startTestConductor({ enabled_drivers: ["fake-hardware", "scripted-bmc"] }, undefined, undefined, { extraDrivers: [bmc] });
});
afterAll(() => tc.destroy());

async function bm(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn([BAREMETAL!, ...args], { env: { ...process.env, OS_AUTH_TYPE: "none", OS_ENDPOINT: tc.url }, stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  return { code: await p.exited, out, err };
}

const actions = () => bmc.calls.filter((c) => c.method === "setPowerState").map((c) => [c.arg, c.timeoutS]);

test.skipIf(!BAREMETAL)("baremetal node power, reboot, boot device and validate", async () => {
  let r = await bm("node", "create", "--driver", "scripted-bmc", "--name", "bp1", "-f", "json");
  expect(r.code).toBe(0);
  const uuid = JSON.parse(r.out).uuid;

  expect((await bm("node", "power", "on", "bp1")).code).toBe(0);
  await tc.waitFor("bp1", (n) => n.power_state === "power on" && !n.target_power_state);
  expect((await bm("node", "power", "off", "--soft", "--power-timeout", "20", "bp1")).code).toBe(0);
  await tc.waitFor("bp1", (n) => n.power_state === "power off" && !n.target_power_state);
  expect((await bm("node", "reboot", "bp1")).code).toBe(0);
  await tc.waitFor("bp1", (n) => n.power_state === "power on" && !n.target_power_state);
  expect((await bm("node", "reboot", "--soft", "bp1")).code).toBe(0);
  await tc.waitFor("bp1", (n) => !n.target_power_state);
  expect(actions()).toEqual([["power on", 60], ["soft power off", 20], ["rebooting", 60], ["soft rebooting", 600]]);
  r = await bm("node", "show", "bp1", "-f", "value", "-c", "power_state");
  expect(r.out.trim()).toBe("power on");

  expect((await bm("node", "boot", "device", "set", "bp1", "disk", "--persistent")).code).toBe(0);
  r = await bm("node", "boot", "device", "show", "bp1", "-f", "json");
  expect(JSON.parse(r.out)).toEqual({ boot_device: "disk", persistent: true });
  r = await bm("node", "boot", "device", "show", "--supported", "bp1", "-f", "json");
  expect(JSON.parse(r.out)).toEqual({ supported_boot_devices: "pxe, disk" }); // the client joins the list
  r = await bm("node", "boot", "device", "set", "bp1", "cdrom");
  expect(r.code).not.toBe(0);
  expect(r.err).toContain("Invalid boot device cdrom specified.");

  r = await bm("node", "validate", "bp1", "-f", "json");
  expect(r.code).toBe(0);
  const rows = Object.fromEntries(JSON.parse(r.out).map((x: any) => [x.Interface, [x.Result, x.Reason]]));
  expect(rows.power).toEqual([true, ""]);
  expect(rows.console).toEqual([false, "Driver scripted-bmc does not support console (disabled or not implemented)."]);
  expect(rows.deploy[1]).toBe(`Node ${uuid} failed to validate deploy image info. Some parameters were missing. Missing are: ['instance_info.image_source']`);

  // a BMC failure: the call is accepted (asynchronous, as in Ironic) and the reason lands in last_error
  bmc.failWith = conductorError("BMC_UNREACHABLE", { driver: "scripted-bmc", bmc: "127.0.0.1:6233", reason: "timeout" });
  expect((await bm("node", "power", "off", "bp1")).code).toBe(0);
  const n = await tc.waitFor("bp1", (x) => !x.target_power_state && x.last_error);
  r = await bm("node", "show", "bp1", "-f", "value", "-c", "last_error");
  expect(r.out.trim()).toBe(n.last_error);
  expect(n.last_error).toContain("scripted-bmc BMC 127.0.0.1:6233 is unreachable: timeout");
  bmc.failWith = null;

  r = await bm("node", "power", "on", "nope");
  expect(r.code).not.toBe(0);
  expect(r.err).toContain("Node nope could not be found");
}, 120_000);
