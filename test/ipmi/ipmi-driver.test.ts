/**
 * @module test/ipmi/ipmi-driver.test
 * The `ipmi` hardware type against a real BMC: OpenIPMI's ipmi_sim driven by the real
 * ipmitool. Power (hard and soft, reboots), boot devices, the errors a user meets (wrong
 * password, nothing listening, a BMC that never answers, a cipher suite it refuses), the
 * cipher suite probe remembered, and the password never on any command line or in the log.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createExec, type Exec } from "../../common/exec.ts";
import { createLogger } from "../../common/logger.ts";
import { ConductorConfigSchema } from "../../conductor/config/schema.ts";
import { createFakeHardware } from "../../conductor/drivers/fake/index.ts";
import { createIpmiHardware, type IpmiHardware } from "../../conductor/drivers/ipmi/index.ts";
import { parseIpmiDriverInfo, type IpmiTarget } from "../../conductor/drivers/ipmi/driver-info.ts";
import type { NodeRecord } from "../../conductor/store/node-record.ts";
import { freeUdpPort, startIpmiSim, type IpmiSim } from "../support/ipmi-sim.ts";
import { startCmdlineWatch, type CmdlineWatch } from "../support/proc-cmdline-watch.ts";

const PASSWORD = "Sim-pw-7f3a9c1e";
/** Short timeouts so failures show quickly; min interval low so the suite stays fast. */
const IPMI = ConductorConfigSchema.parse({
  ipmi: { command_timeout_s: 4, retries: 1, retry_backoff_s: 0.2, min_command_interval_s: 0.02, packet_timeout_s: 1, power_wait_s: 10, power_poll_interval_s: 0.1, cipher_probe_timeout_s: 2 },
}).ipmi;

let logText = "";
const logger = createLogger({ level: "debug", destination: "/dev/null", tee: { write: (l) => void (logText += l) } });

/** Real exec, recording every ipmitool command line. */
function recordingExec() {
  const real = createExec();
  const calls: string[][] = [];
  const exec: Exec = (file, args, options) => {
    if (file === "ipmitool") calls.push([...args]);
    return real(file, args, options);
  };
  return { exec, calls };
}

function makeDriver() {
  const { exec, calls } = recordingExec();
  const boot = createFakeHardware({ exec, logger }).boot;
  const driver = createIpmiHardware({ exec, logger, config: IPMI, boot });
  return { driver, calls };
}

function node(driverInfo: Record<string, unknown>, bootMode?: "uefi" | "bios"): NodeRecord {
  return {
    uuid: crypto.randomUUID(),
    driver: "ipmi",
    driver_info: driverInfo,
    driver_internal_info: {},
    properties: bootMode ? { capabilities: `boot_mode:${bootMode}` } : {},
    instance_info: {},
  } as unknown as NodeRecord;
}

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; ms: number }> {
  const started = Date.now();
  try {
    await p;
  } catch (e) {
    const err = e as { code: string; message: string };
    return { code: err.code, message: err.message, ms: Date.now() - started };
  }
  throw new Error("expected the call to fail");
}

let sim: IpmiSim;
let watch: CmdlineWatch;
const { driver, calls } = makeDriver();
let n: NodeRecord;

beforeAll(async () => {
  watch = startCmdlineWatch(PASSWORD, "ipmitool");
  sim = await startIpmiSim({ password: PASSWORD, softOffDelayS: 0.3 });
  n = node(sim.driverInfo({ ipmi_cipher_suite: 3 }));
});
afterAll(async () => {
  await watch?.stop();
  await sim?.stop();
});

describe("power", () => {
  test("status, on, off: the chassis changes and the driver reads it back", async () => {
    expect(await driver.power.getPowerState(n)).toBe("power off");
    await driver.power.setPowerState(n, "power on");
    expect(sim.power()).toBe("on");
    expect(await driver.power.getPowerState(n)).toBe("power on");
    await driver.power.setPowerState(n, "power off");
    expect(sim.power()).toBe("off");
    expect(sim.actions()).toContain("set power 1");
    expect(sim.actions()).toContain("set power 0");
  });

  test("asking for the state the node is in sends no power command", async () => {
    sim.setPower(true);
    const before = sim.log().filter((l) => l.includes("set power")).length;
    await driver.power.setPowerState(n, "power on");
    expect(sim.log().filter((l) => l.includes("set power")).length).toBe(before);
  });

  test("an out-of-band change is what status reports", async () => {
    sim.setPower(false);
    expect(await driver.power.getPowerState(n)).toBe("power off");
    sim.setPower(true);
    expect(await driver.power.getPowerState(n)).toBe("power on");
  });

  test("hard reboot of a running node: off, then on (Ironic's reboot)", async () => {
    sim.setPower(true);
    const mark = sim.log().length;
    await driver.power.setPowerState(n, "rebooting");
    const ops = sim.actions(mark).filter((l) => l.startsWith("set"));
    expect(ops).toEqual(["set power 0", "set power 1"]);
    expect(sim.power()).toBe("on");
  });

  test("hard reboot of a node that is off only powers it on", async () => {
    sim.setPower(false);
    const mark = sim.log().length;
    await driver.power.setPowerState(n, "rebooting");
    expect(sim.actions(mark).filter((l) => l.startsWith("set"))).toEqual(["set power 1"]);
  });

  test("soft power off asks the OS (ACPI) and waits until it has powered off", async () => {
    sim.setPower(true);
    const mark = sim.log().length;
    await driver.power.setPowerState(n, "soft power off");
    expect(sim.power()).toBe("off");
    const ops = sim.actions(mark);
    expect(ops).toContain("set shutdown 1");
    expect(ops).toContain("os powered off after soft-off request");
    expect(ops).not.toContain("set power 0");
  });

  test("soft reboot: soft off, wait for the OS, on", async () => {
    sim.setPower(true);
    const mark = sim.log().length;
    await driver.power.setPowerState(n, "soft rebooting");
    const ops = sim.actions(mark).filter((l) => l.startsWith("set") || l.startsWith("os"));
    expect(ops).toEqual(["set shutdown 1", "os powered off after soft-off request", "set power 1"]);
    expect(sim.power()).toBe("on");
  });

  test("an OS that ignores the soft-off request: BMC_TIMEOUT after the requested timeout, saying so", async () => {
    const stubborn = await startIpmiSim({ password: PASSWORD, power: "on", ignoreSoftOff: true });
    try {
      const f = await failure(driver.power.setPowerState(node(stubborn.driverInfo({ ipmi_cipher_suite: 3 })), "soft power off", { timeoutS: 1 }));
      expect(f.code).toBe("BMC_TIMEOUT");
      expect(f.message).toContain("the OS did not power off after the soft power-off (ACPI) request");
      expect(stubborn.power()).toBe("on");
    } finally {
      await stubborn.stop();
    }
  });
});

describe("boot device", () => {
  test("UEFI node (the default), persistent: bootdev with options=persistent,efiboot reaches the chassis", async () => {
    const mark = calls.length;
    await driver.management.setBootDevice(n, "pxe", { persistent: true });
    expect(sim.bootDevice()).toBe("pxe");
    const sent = calls.slice(mark).map((a) => a.slice(a.indexOf("-E") + 1).join(" "));
    expect(sent).toEqual(["raw 0x00 0x08 0x03 0x08", "chassis bootdev pxe options=persistent,efiboot"]);
    // ipmi_sim keeps only the device, never the flags: it always answers "next boot only".
    expect(await driver.management.getBootDevice(n)).toEqual({ boot_device: "pxe", persistent: false });
  });

  test("legacy BIOS node, next boot only: plain bootdev; disk reads back as disk", async () => {
    const legacy = node(sim.driverInfo({ ipmi_cipher_suite: 3, ipmi_disable_boot_timeout: false }), "bios");
    const mark = calls.length;
    await driver.management.setBootDevice(legacy, "disk");
    expect(sim.bootDevice()).toBe("default");
    expect(calls.slice(mark).map((a) => a.slice(a.indexOf("-E") + 1).join(" "))).toEqual(["chassis bootdev disk"]);
    expect(await driver.management.getBootDevice(legacy)).toEqual({ boot_device: "disk", persistent: false });
  });

  test("cdrom and bios round-trip", async () => {
    for (const device of ["cdrom", "bios"] as const) {
      await driver.management.setBootDevice(n, device);
      expect((await driver.management.getBootDevice(n)).boot_device).toBe(device);
    }
  });

  test("a device the BMC cannot set fails although ipmitool exits 0", async () => {
    const f = await failure(driver.management.setBootDevice(n, "safe"));
    expect(f.code).toBe("BMC_ERROR");
    expect(f.message).toContain("Set Chassis Boot Parameter 5 failed: Unspecified error");
  });

  test("supported devices are Ironic's", async () => {
    expect(await driver.management.getSupportedBootDevices(n)).toEqual(["pxe", "disk", "cdrom", "bios", "safe"]);
  });
});

describe("errors a user meets", () => {
  test("wrong password: BMC_AUTH_FAILED at once, no retry, password not in the message", async () => {
    const { driver: d, calls: c } = makeDriver();
    const f = await failure(d.power.getPowerState(node(sim.driverInfo({ ipmi_password: "not-the-password" }))));
    expect(f.code).toBe("BMC_AUTH_FAILED");
    expect(f.message).toContain("wrong password (RAKP 2 HMAC is invalid)");
    expect(f.message).not.toContain("not-the-password");
    // ipmi_sim refuses suite 17 before it looks at the password; then one try with 3, no retry.
    expect(c.map((a) => a[a.indexOf("-C") + 1])).toEqual(["17", "3"]);
  });

  test("unknown user: BMC_AUTH_FAILED naming the user name as the problem", async () => {
    const f = await failure(driver.power.getPowerState(node(sim.driverInfo({ ipmi_username: "nobody", ipmi_cipher_suite: 3 }))));
    expect(f.code).toBe("BMC_AUTH_FAILED");
    expect(f.message).toContain("unknown user name");
  });

  test("nothing listens on the port: BMC_UNREACHABLE, not retried", async () => {
    const { driver: d, calls: c } = makeDriver();
    const port = await freeUdpPort();
    const f = await failure(d.power.getPowerState(node({ ipmi_address: "127.0.0.1", ipmi_port: port, ipmi_username: "admin", ipmi_password: PASSWORD })));
    expect(f.code).toBe("BMC_UNREACHABLE");
    expect(f.message).toContain(`IPMI BMC 127.0.0.1:${port} is unreachable: nothing listens on that UDP port`);
    expect(c.length).toBe(1); // the probe of suite 17: silence, then the ping meets the closed port
    console.log(`unreachable BMC reported after ${f.ms} ms`);
  });

  test("a host name that does not resolve: BMC_UNREACHABLE saying so", async () => {
    const f = await failure(driver.power.getPowerState(node({ ipmi_address: "no-such-bmc.invalid", ipmi_cipher_suite: 3 })));
    expect(f.code).toBe("BMC_UNREACHABLE");
    expect(f.message).toContain("the host name no-such-bmc.invalid does not resolve");
  });

  test("a BMC that never answers (frozen ipmi_sim): BMC_TIMEOUT, bounded, retried once", async () => {
    const frozen = await startIpmiSim({ password: PASSWORD });
    const { driver: d, calls: c } = makeDriver();
    try {
      frozen.freeze();
      const f = await failure(d.power.getPowerState(node(frozen.driverInfo({ ipmi_cipher_suite: 3 }))));
      expect(f.code).toBe("BMC_TIMEOUT");
      expect(f.message).toContain(`IPMI BMC 127.0.0.1:${frozen.port} did not complete "power status"`);
      expect(c.length).toBe(1 + IPMI.retries);
      console.log(`frozen BMC reported after ${f.ms} ms (${c.length} ipmitool runs)`);
    } finally {
      await frozen.stop();
    }
  });

  test("malformed driver_info at call time: DRIVER_INFO_INVALID naming the field, no ipmitool run", async () => {
    const { driver: d, calls: c } = makeDriver();
    const f = await failure(d.power.getPowerState(node({ ipmi_address: "127.0.0.1", ipmi_port: "99999" })));
    expect(f).toMatchObject({ code: "DRIVER_INFO_INVALID", message: 'Invalid driver_info: ipmi_port "99999" is not a valid port.' });
    expect(c.length).toBe(0);
  });

  test("validate reports missing fields in Ironic's words", () => {
    expect(driver.validate(node({ ipmi_username: "admin" }))).toBe("Missing the following IPMI credentials in node's driver_info: ipmi_address.");
    expect(driver.validate(n)).toBeNull();
  });
});

describe("cipher suite", () => {
  test("not in driver_info: 17 tried once with a short timeout, 3 remembered, the next call does not probe", async () => {
    const { driver: d, calls: c } = makeDriver();
    const bare = node(sim.driverInfo());
    const suiteOf = (args: string[]) => args[args.indexOf("-C") + 1];
    expect(await d.power.getPowerState(bare)).toMatch(/^power (on|off)$/);
    expect(c.map(suiteOf)).toEqual(["17", "3"]);
    expect(d.client.cipherSuite(parseIpmiDriverInfo(bare.driver_info) as IpmiTarget)).toBe(3);
    await d.power.getPowerState(bare);
    await d.management.getBootDevice(bare);
    expect(c.map(suiteOf)).toEqual(["17", "3", "3", "3"]);
  });

  test("given in driver_info: used from the first call, never probed", async () => {
    const { driver: d, calls: c } = makeDriver();
    await d.power.getPowerState(n);
    expect(c.length).toBe(1);
    expect(c[0]![c[0]!.indexOf("-C") + 1]).toBe("3");
  });

  test("a suite the BMC refuses, named in driver_info: BMC_UNSUPPORTED naming the field", async () => {
    const f = await failure(driver.power.getPowerState(node(sim.driverInfo({ ipmi_cipher_suite: 17 }))));
    expect(f.code).toBe("BMC_UNSUPPORTED");
    expect(f.message).toContain("cipher suite 17 from driver_info ipmi_cipher_suite (invalid authentication algorithm)");
  });
});

describe("the password", () => {
  test("never on ipmitool's argv", () => {
    expect(calls.length).toBeGreaterThan(10);
    for (const args of calls) expect(args.join(" ")).not.toContain(PASSWORD);
  });

  test("never in any process's /proc/PID/cmdline while the commands above ran", async () => {
    const { hits, seen, scans } = await watch.stop();
    expect(hits).toEqual([]);
    // The watcher really looked while ipmitool ran.
    expect(seen).toBeGreaterThan(5);
    console.log(`/proc scanned ${scans} times, ${seen} ipmitool processes seen`);
  });

  test("never in the log, which did record the commands", () => {
    expect(logText).toContain('"msg":"ipmitool"');
    expect(logText).not.toContain(PASSWORD);
  });
});
