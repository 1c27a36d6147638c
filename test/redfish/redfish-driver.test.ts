/**
 * The `redfish` hardware type against the mock BMC (test/support/redfish-mock.ts) over real
 * HTTPS: power and boot round trips, discovery, sessions and basic auth, certificates,
 * ETags, task monitors, timeouts, and the password kept out of logs and errors.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { dirname } from "node:path";
import { createLogger } from "../../common/logger.ts";
import { ConductorConfigSchema, type ConductorConfig } from "../../conductor/config/schema.ts";
import { createRedfishHardware, type RedfishHardware } from "../../conductor/drivers/redfish/index.ts";
import type { NodeRecord } from "../../conductor/store/node-record.ts";
import { freePort } from "../conductor/helpers/harness.ts";
import { startRedfishMock, type RedfishMock, type RedfishMockOptions } from "../support/redfish-mock.ts";

const PASSWORD = "Zx9-very-secret-pw";
const logLines: string[] = [];
const logger = createLogger({ level: "trace", destination: "/dev/null", tee: { write: (l) => void logLines.push(l) } });
const open: { mocks: RedfishMock[]; drivers: RedfishHardware[] } = { mocks: [], drivers: [] };
const errorMessages: string[] = [];

afterEach(async () => {
  await Promise.all(open.drivers.splice(0).map((d) => d.close()));
  await Promise.all(open.mocks.splice(0).map((m) => m.stop()));
});

async function mock(options: RedfishMockOptions = {}): Promise<RedfishMock> {
  const m = await startRedfishMock({ username: "admin", password: PASSWORD, ...options });
  open.mocks.push(m);
  return m;
}

function driver(config: Partial<ConductorConfig["redfish"]> = {}): RedfishHardware {
  const base = ConductorConfigSchema.parse({}).redfish;
  const d = createRedfishHardware({
    logger,
    config: { ...base, request_timeout_s: 5, power_state_change_timeout_s: 10, poll_interval_s: 0.05, connection_retry_interval_s: 0.05, ...config },
    boot: { prepareRamdisk: async () => {}, cleanUpRamdisk: async () => {}, prepareInstance: async () => {} },
  });
  open.drivers.push(d);
  return d;
}

function node(bmc: { url: string; caPath: string } | string, info: Record<string, unknown> = {}, properties: Record<string, unknown> = {}): NodeRecord {
  const url = typeof bmc === "string" ? bmc : bmc.url;
  const ca = typeof bmc === "string" ? undefined : bmc.caPath;
  return {
    uuid: "5d1d2f3c-7e61-4f1b-9d0a-2b1d7d3c9e11",
    name: "rf-1",
    driver: "redfish",
    driver_info: { redfish_address: url, redfish_username: "admin", redfish_password: PASSWORD, redfish_verify_ca: ca, ...info },
    properties,
    instance_info: {},
  } as unknown as NodeRecord;
}

/** The error a call throws (recorded, to check later that none carries the password). */
async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    errorMessages.push((e as Error).message);
    return e as { code: string; message: string };
  }
  throw new Error("expected the call to fail");
}

const resets = (m: RedfishMock) => m.requests.filter((r) => r.path.endsWith("/Actions/ComputerSystem.Reset")).map((r) => (r.body as { ResetType: string }).ResetType);

describe("redfish power", () => {
  test("power on, off, reboots and soft variants round-trip and wait for PowerState", async () => {
    const bmc = await mock({ powerDelayMs: 250 });
    const d = driver();
    const n = node(bmc);
    expect(await d.power.getPowerState(n)).toBe("power off");

    await d.power.setPowerState(n, "power on");
    // The BMC changes PowerState 250 ms after the reset: resolving earlier would show Off here.
    expect(bmc.state().PowerState).toBe("On");
    expect(await d.power.getPowerState(n)).toBe("power on");

    await d.power.setPowerState(n, "power on"); // idempotent: no second reset
    expect(resets(bmc)).toEqual(["On"]);

    await d.power.setPowerState(n, "rebooting");
    expect(bmc.state().PowerState).toBe("On");
    await d.power.setPowerState(n, "soft rebooting");
    expect(bmc.state().PowerState).toBe("On");

    await d.power.setPowerState(n, "soft power off");
    expect(bmc.state().PowerState).toBe("Off");
    await d.power.setPowerState(n, "power off"); // already off
    await d.power.setPowerState(n, "rebooting"); // a reboot of an off node powers it on
    expect(bmc.state().PowerState).toBe("On");
    await d.power.setPowerState(n, "power off");
    expect(bmc.state().PowerState).toBe("Off");
    expect(await d.power.getPowerState(n)).toBe("power off");

    expect(resets(bmc)).toEqual(["On", "ForceRestart", "GracefulRestart", "GracefulShutdown", "On", "ForceOff"]);
  });

  test("a ResetType the BMC does not allow falls back (ForceOn, PowerCycle) or is refused clearly", async () => {
    const bmc = await mock({ resetTypes: ["ForceOn", "ForceOff", "PowerCycle"] });
    const d = driver();
    const n = node(bmc);
    await d.power.setPowerState(n, "power on");
    await d.power.setPowerState(n, "rebooting");
    expect(resets(bmc)).toEqual(["ForceOn", "PowerCycle"]);
    expect(bmc.state().PowerState).toBe("On");
    const e = await failure(d.power.setPowerState(n, "soft power off"));
    expect(e.code).toBe("BMC_UNSUPPORTED");
    expect(e.message).toContain("GracefulShutdown");
    expect(e.message).toContain("the system allows ForceOn, ForceOff, PowerCycle");
    expect(resets(bmc)).toEqual(["ForceOn", "PowerCycle"]);
  });

  test("a BMC that lists no ResetTypes: a refused one is replaced by the next fallback, the last refusal reported with Redfish's message", async () => {
    const bmc = await mock({ resetTypes: ["ForceOn", "ForceOff"], advertiseResetTypes: false });
    const d = driver();
    const n = node(bmc);
    await d.power.setPowerState(n, "power on");
    expect(bmc.state().PowerState).toBe("On");
    expect(resets(bmc)).toEqual(["On", "ForceOn"]);
    const e = await failure(d.power.setPowerState(n, "soft power off"));
    expect(e.code).toBe("BMC_UNSUPPORTED");
    expect(e.message).toContain('ResetType "PushPowerButton"');
    expect(e.message).toContain("HTTP 400 Bad Request: The parameter PushPowerButton for the action ComputerSystem.Reset is not supported on the target resource.");
    expect(resets(bmc)).toEqual(["On", "ForceOn", "GracefulShutdown", "PushPowerButton"]);
    expect(bmc.state().PowerState).toBe("On");
  });

  test("a reset answered 202 is followed through its task monitor", async () => {
    const bmc = await mock({ asyncReset: true, powerDelayMs: 250 });
    const d = driver();
    const n = node(bmc);
    await d.power.setPowerState(n, "power on");
    expect(bmc.state().PowerState).toBe("On");
    expect(bmc.requests.find((r) => r.path.endsWith("/Actions/ComputerSystem.Reset"))!.status).toBe(202);
    // Polled while the task ran (202), until it was done (200): how many 202s depends on the machine's pace.
    const polls = bmc.requests.filter((r) => r.path.includes("/TaskService/TaskMonitors/")).map((r) => r.status);
    expect(polls.at(-1)).toBe(200);
    expect(polls.slice(0, -1).every((st) => st === 202)).toBe(true);
  });

  test("a node that never reaches the state times out with BMC_TIMEOUT", async () => {
    const bmc = await mock({ powerDelayMs: 60_000 });
    const e = await failure(driver().power.setPowerState(node(bmc), "power on", { timeoutS: 0.5 }));
    expect(e.code).toBe("BMC_TIMEOUT");
    expect(e.message).toContain("PowerState is still Off");
  });

  test("the power state set out of band is what the driver reads", async () => {
    const bmc = await mock();
    const d = driver();
    bmc.setPowerOutOfBand("On");
    expect(await d.power.getPowerState(node(bmc))).toBe("power on");
  });
});

describe("redfish boot device", () => {
  test("set and show round-trip: once and persistent, UEFI and Legacy", async () => {
    const bmc = await mock();
    const d = driver();
    const uefi = node(bmc);
    await d.management.setBootDevice(uefi, "pxe");
    expect(await d.management.getBootDevice(uefi)).toEqual({ boot_device: "pxe", persistent: false });
    expect(bmc.state()).toMatchObject({ BootSourceOverrideTarget: "Pxe", BootSourceOverrideEnabled: "Once", BootSourceOverrideMode: "UEFI" });

    await d.management.setBootDevice(uefi, "disk", { persistent: true });
    expect(await d.management.getBootDevice(uefi)).toEqual({ boot_device: "disk", persistent: true });
    expect(bmc.state()).toMatchObject({ BootSourceOverrideTarget: "Hdd", BootSourceOverrideEnabled: "Continuous" });

    const legacy = node(bmc, {}, { capabilities: "boot_mode:bios" });
    await d.management.setBootDevice(legacy, "cdrom");
    expect(bmc.state()).toMatchObject({ BootSourceOverrideTarget: "Cd", BootSourceOverrideEnabled: "Once", BootSourceOverrideMode: "Legacy" });
    await d.management.setBootDevice(legacy, "bios", { persistent: true });
    expect(await d.management.getBootDevice(legacy)).toEqual({ boot_device: "bios", persistent: true });
    expect(await d.management.getSupportedBootDevices(legacy)).toEqual(["pxe", "disk", "cdrom", "bios"]);
  });

  test("a device the BMC or Redfish cannot select is BMC_UNSUPPORTED", async () => {
    const bmc = await mock({ bootTargets: ["None", "Pxe", "Hdd"] });
    const d = driver();
    const e = await failure(d.management.setBootDevice(node(bmc), "cdrom"));
    expect(e.code).toBe("BMC_UNSUPPORTED");
    expect(e.message).toContain("it allows None, Pxe, Hdd");
    expect((await failure(d.management.setBootDevice(node(bmc), "safe"))).code).toBe("BMC_UNSUPPORTED");
    expect(bmc.requests.some((r) => r.method === "PATCH")).toBe(false);
  });

  test("the PATCH carries If-Match with the ETag, and a 412 is retried once with a fresh one", async () => {
    const bmc = await mock({ requireEtag: true });
    const d = driver();
    await d.management.setBootDevice(node(bmc), "pxe");
    const first = bmc.requests.filter((r) => r.method === "PATCH");
    expect(first.map((r) => r.status)).toEqual([204]);
    expect(first[0]!.ifMatch).toMatch(/^W\/"\d+"$/);

    bmc.failNextPatchWith412();
    await d.management.setBootDevice(node(bmc), "disk");
    const patches = bmc.requests.filter((r) => r.method === "PATCH").slice(1);
    expect(patches.map((r) => r.status)).toEqual([412, 204]);
    expect(patches[0]!.ifMatch).not.toBe(patches[1]!.ifMatch);
    expect(bmc.state().BootSourceOverrideTarget).toBe("Hdd");
  });
});

describe("redfish discovery", () => {
  test("the only system is found without redfish_system_id", async () => {
    const bmc = await mock({ systems: 1 });
    expect(await driver().power.getPowerState(node(bmc))).toBe("power off");
    expect(bmc.requests.some((r) => r.path === "/redfish/v1/Systems")).toBe(true);
  });

  test("two systems without redfish_system_id is a clear error; with it, the right one is driven", async () => {
    const bmc = await mock({ systems: 2 });
    const d = driver();
    const e = await failure(d.power.getPowerState(node(bmc)));
    expect(e.code).toBe("DRIVER_INFO_INVALID");
    expect(e.message).toContain("manages 2 systems (/redfish/v1/Systems/437XR1138R2, /redfish/v1/Systems/2M220100SL)");
    expect(e.message).toContain("redfish_system_id");
    await d.power.setPowerState(node(bmc, { redfish_system_id: bmc.systemPaths[1] }), "power on");
    expect(bmc.state(bmc.systemPaths[1]).PowerState).toBe("On");
    expect(bmc.state(bmc.systemPaths[0]).PowerState).toBe("Off");
  });

  test("no system at all is a clear error", async () => {
    const bmc = await mock({ systems: 0 });
    const e = await failure(driver().power.getPowerState(node(bmc)));
    expect(e.code).toBe("BMC_ERROR");
    expect(e.message).toContain("lists no ComputerSystem in /redfish/v1/Systems");
  });
});

describe("redfish authentication", () => {
  test("a session is created once, reused, renewed after it expires, and deleted on close", async () => {
    const bmc = await mock();
    const d = driver();
    const n = node(bmc);
    await d.power.getPowerState(n);
    await d.power.getPowerState(n);
    const logins = () => bmc.requests.filter((r) => r.method === "POST" && r.path.endsWith("/SessionService/Sessions"));
    expect(logins().length).toBe(1);
    const authed = bmc.requests.filter((r) => r.path.startsWith("/redfish/v1/Systems"));
    expect(authed.every((r) => r.auth === "session")).toBe(true);
    expect(bmc.sessions()).toBe(1);

    bmc.expireSessions();
    expect(await d.power.getPowerState(n)).toBe("power off");
    expect(logins().length).toBe(2);

    await d.close();
    expect(bmc.sessions()).toBe(0);
    expect(bmc.requests.at(-1)).toMatchObject({ method: "DELETE", auth: "session", status: 204 });
  });

  test("without a SessionService, auto falls back to basic auth; session-only is refused", async () => {
    const bmc = await mock({ sessions: false });
    await driver().power.setPowerState(node(bmc), "power on");
    const authed = bmc.requests.filter((r) => r.path.startsWith("/redfish/v1/Systems"));
    expect(authed.length).toBeGreaterThan(0);
    expect(authed.every((r) => r.auth === "basic")).toBe(true);
    const e = await failure(driver().power.getPowerState(node(bmc, { redfish_auth_type: "session" })));
    expect(e.code).toBe("BMC_UNSUPPORTED");
    expect(e.message).toContain("session authentication");
  });

  test("redfish_auth_type basic never creates a session", async () => {
    const bmc = await mock();
    await driver().power.getPowerState(node(bmc, { redfish_auth_type: "basic" }));
    expect(bmc.requests.some((r) => r.path.includes("SessionService"))).toBe(false);
    expect(bmc.sessions()).toBe(0);
  });

  test("a wrong password is BMC_AUTH_FAILED with a clear message (session, auto and basic)", async () => {
    const bmc = await mock();
    for (const auth of ["auto", "session", "basic"]) {
      const e = await failure(driver().power.getPowerState(node(bmc, { redfish_password: "not-the-password", redfish_auth_type: auth })));
      expect(e.code).toBe("BMC_AUTH_FAILED");
      expect(e.message).toContain(`redfish authentication failed for ${bmc.url}: the BMC refused the credentials of user "admin" (HTTP 401`);
      expect(e.message).not.toContain("not-the-password");
    }
  });
});

describe("redfish certificates", () => {
  test("a certificate from an unknown CA is refused by default", async () => {
    const bmc = await mock();
    const e = await failure(driver().power.getPowerState(node(bmc.url)));
    expect(e.code).toBe("BMC_UNREACHABLE");
    expect(e.message).toContain("certificate verify failed");
    expect(e.message).toContain("redfish_verify_ca");
    expect(bmc.requests).toHaveLength(0);
  });

  test("accepted with redfish_verify_ca false (boolean or Ironic's string), a CA bundle file or a directory", async () => {
    const bmc = await mock();
    for (const verify of [false, "False", bmc.caPath, dirname(bmc.caPath)]) {
      expect(await driver().power.getPowerState(node(bmc.url, { redfish_verify_ca: verify }))).toBe("power off");
    }
  });

  test("the configured default CA bundle applies when the node says nothing", async () => {
    const bmc = await mock();
    expect(await driver({ verify_ca: bmc.caPath }).power.getPowerState(node(bmc.url))).toBe("power off");
  });
});

describe("redfish unreachable and slow BMCs", () => {
  test("a BMC that never answers is BMC_TIMEOUT within the request timeout", async () => {
    const bmc = await mock({ hang: true });
    const e = await failure(driver({ request_timeout_s: 1 }).power.getPowerState(node(bmc)));
    expect(e.code).toBe("BMC_TIMEOUT");
    expect(e.message).toBe(`redfish BMC ${bmc.url} did not complete "get power state" within 1 s`);
  }, 15_000);

  test("nothing listening is BMC_UNREACHABLE, connection refused (after the configured retries)", async () => {
    const url = `https://127.0.0.1:${freePort()}`;
    const before = logLines.length;
    const e = await failure(driver({ connection_attempts: 2 }).power.getPowerState(node(url)));
    expect(e.code).toBe("BMC_UNREACHABLE");
    expect(e.message).toBe(`redfish BMC ${url} is unreachable: connection refused`);
    expect(logLines.slice(before).filter((l) => l.includes("retrying")).length).toBe(1);
  });
});

// Runs last (Bun runs a file's tests in order): everything above logged at trace level.
test("the password is never in the captured log nor in any error", () => {
  const log = logLines.join("");
  expect(logLines.length).toBeGreaterThan(20);
  expect(log).toContain("redfish request");
  expect(log).toContain("redfish session created");
  expect(log).not.toContain(PASSWORD);
  expect(errorMessages.length).toBeGreaterThan(5);
  for (const m of errorMessages) expect(m).not.toContain(PASSWORD);
});
