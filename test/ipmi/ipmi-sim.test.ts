/**
 * @module test/ipmi/ipmi-sim.test
 * The BMC simulator harness others build on: hooks run on power and boot changes (where a
 * lab starts QEMU), a failing hook makes the BMC refuse, freeze/thaw, stop cleans up.
 */
import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createExec } from "../../common/exec.ts";
import { createSilentLogger } from "../../common/logger.ts";
import { ConductorConfigSchema } from "../../conductor/config/schema.ts";
import { createFakeHardware } from "../../conductor/drivers/fake/index.ts";
import { createIpmiHardware } from "../../conductor/drivers/ipmi/index.ts";
import type { NodeRecord } from "../../conductor/store/node-record.ts";
import { startIpmiSim } from "../support/ipmi-sim.ts";

const exec = createExec();
const logger = createSilentLogger();
const config = ConductorConfigSchema.parse({ ipmi: { min_command_interval_s: 0.02, power_poll_interval_s: 0.1, retries: 0, command_timeout_s: 3, packet_timeout_s: 1 } }).ipmi;
const driver = createIpmiHardware({ exec, logger, config, boot: createFakeHardware({ exec, logger }).boot });
const node = (info: Record<string, unknown>) => ({ uuid: "n", driver: "ipmi", driver_info: info, properties: { capabilities: "boot_mode:bios" }, instance_info: {} }) as unknown as NodeRecord;

test("hooks run on power and boot changes, with the device; the state follows", async () => {
  const sim = await startIpmiSim({
    password: "Hook-pw-1",
    hooks: { powerOn: 'echo on >> "$(dirname "$0")/../machine"', powerOff: 'echo off >> "$(dirname "$0")/../machine"', boot: 'echo "boot $1" >> "$(dirname "$0")/../machine"' },
  });
  try {
    const n = node(sim.driverInfo({ ipmi_cipher_suite: 3, ipmi_disable_boot_timeout: false }));
    await driver.management.setBootDevice(n, "pxe");
    await driver.power.setPowerState(n, "power on");
    await driver.power.setPowerState(n, "power off");
    expect(readFileSync(join(sim.dir, "chassis", "machine"), "utf8").split("\n").filter(Boolean)).toEqual(["boot pxe", "on", "off"]);
    expect(sim.power()).toBe("off");
  } finally {
    await sim.stop();
  }
});

test("a failing hook (the lab could not start its machine) makes the BMC refuse the command", async () => {
  const sim = await startIpmiSim({ password: "Hook-pw-2", hooks: { powerOn: "exit 3" } });
  try {
    const e = await driver.power.setPowerState(node(sim.driverInfo({ ipmi_cipher_suite: 3 })), "power on").then(() => null, (err) => err);
    expect(e?.code).toBe("BMC_ERROR");
    expect(e?.message).toContain("Unspecified error");
    expect(sim.power()).toBe("off");
  } finally {
    await sim.stop();
  }
});

test("freeze makes the BMC silent, thaw brings it back; stop removes its directory", async () => {
  const sim = await startIpmiSim({ password: "Hook-pw-3" });
  const n = node(sim.driverInfo({ ipmi_cipher_suite: 3 }));
  sim.freeze();
  const e = await driver.power.getPowerState(n).then(() => null, (err) => err);
  expect(e?.code).toBe("BMC_TIMEOUT");
  sim.thaw();
  expect(await driver.power.getPowerState(n)).toBe("power off");
  await sim.stop();
  expect(existsSync(sim.dir)).toBe(false);
});
