/**
 * The power-state sync against a scripted BMC: out-of-band changes recorded (and logged), or
 * undone with `force_power_state_during_sync`; the nodes it must leave alone; failures counted
 * into maintenance with fault `power failure` and recovered from; a stale read discarded when
 * the operator acted meanwhile; bounded concurrency; a failing store survived by the loop;
 * BMCs off loopback never contacted by tests.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createLogger } from "../../common/logger.ts";
import { conductorError } from "../../conductor/errors.ts";
import { loopbackBmcOnly, startTestConductor, type TestConductor } from "./helpers/harness.ts";
import { createScriptedBmc, type ScriptedBmc } from "./helpers/scripted-bmc.ts";

let bmc: ScriptedBmc;
let tc: TestConductor;
const logs: any[] = [];
const ENABLED = ["fake-hardware", "scripted-bmc"];

async function start(power: Record<string, unknown> = {}) {
  bmc = createScriptedBmc();
  logs.length = 0;
  const logger = createLogger({ level: "debug", destination: "/dev/null", tee: { write: (l) => void logs.push(JSON.parse(l)) } });
  tc = await startTestConductor(
    { enabled_drivers: ENABLED, power: { sync_power_state_interval: 0, power_failure_recovery_interval: 0, power_state_sync_max_retries: 2, ...power } },
    undefined,
    undefined,
    { extraDrivers: [bmc], logger },
  );
}

/** A node in `manageable` whose recorded power state is `power`; the BMC says the same. */
async function node(name: string, power: "power on" | "power off" = "power off", fields: Record<string, unknown> = {}) {
  const r = await tc.api("POST", "/v1/nodes", { name, driver: "scripted-bmc", ...fields });
  expect(r.status).toBe(201);
  const uuid = r.json.uuid as string;
  tc.conductor.store.nodes.update(uuid, { provision_state: "manageable", power_state: power });
  bmc.state.set(uuid, power);
  return uuid;
}

const get = (uuid: string) => tc.conductor.store.nodes.get(uuid)!;

describe("without force (the default)", () => {
  beforeEach(() => start());
  afterEach(() => tc.destroy());

  test("an out-of-band change is recorded and logged; nothing is asked of the BMC but a read", async () => {
    const uuid = await node("s-oob", "power on");
    expect((await tc.conductor.powerSync.syncOnce()).get(uuid)).toBe("unchanged");
    bmc.state.set(uuid, "power off"); // someone pressed the button
    expect((await tc.conductor.powerSync.syncOnce()).get(uuid)).toBe("corrected");
    expect(get(uuid).power_state).toBe("power off");
    expect(bmc.count("setPowerState")).toBe(0);
    const line = logs.find((l) => l.event === "power_state_corrected");
    expect(line).toMatchObject({ node: uuid, previous: "power on", power_state: "power off", level: 40 });
    const corrected = tc.conductor.store.history.list(uuid).filter((e) => e.event_type === "monitoring");
    expect(corrected.map((e) => [e.severity, e.event])).toEqual([["INFO", `During sync_power_state, node ${uuid} state does not match expected state 'power on'. Updating recorded state to 'power off'.`]]);
    expect((await tc.conductor.powerSync.syncOnce()).get(uuid)).toBe("unchanged");
    expect(tc.conductor.powerSync.failures(uuid)).toBe(0);
  });

  test("a node with no recorded state gets the BMC's", async () => {
    const uuid = await node("s-null");
    tc.conductor.store.nodes.update(uuid, { power_state: null });
    bmc.state.set(uuid, "power on");
    expect((await tc.conductor.powerSync.syncOnce()).get(uuid)).toBe("recorded");
    expect(get(uuid).power_state).toBe("power on");
  });

  test("nodes that are locked, in maintenance, mid-action, enrolling or waiting for an agent, or whose driver info does not validate, are not read", async () => {
    const locked = await node("s-locked");
    const release = tc.conductor.ctx.locks.tryLock(locked, "deploy")!;
    const maint = await node("s-maint");
    tc.conductor.store.nodes.update(maint, { maintenance: true });
    const acting = await node("s-acting");
    tc.conductor.store.nodes.update(acting, { target_power_state: "power on" });
    const enroll = await node("s-enroll");
    tc.conductor.store.nodes.update(enroll, { provision_state: "enroll" });
    const waiting = await node("s-wait");
    tc.conductor.store.nodes.update(waiting, { provision_state: "wait call-back" });
    const cleanWait = await node("s-cwait");
    tc.conductor.store.nodes.update(cleanWait, { provision_state: "clean wait" });
    const broken = await node("s-broken", "power off", { driver_info: { scripted_broken: true } });
    for (const uuid of [locked, acting, enroll, waiting, cleanWait, broken]) bmc.state.set(uuid, "power on");
    const out = await tc.conductor.powerSync.syncOnce();
    release();
    for (const uuid of [locked, acting, enroll, waiting, cleanWait, broken]) {
      expect({ uuid, outcome: out.get(uuid), power: get(uuid).power_state }).toEqual({ uuid, outcome: "skipped", power: "power off" });
    }
    expect(out.has(maint)).toBe(false); // a sync pass does not even list nodes in maintenance
    expect(bmc.calls.length).toBe(0);
  });

  test("a read that raced an operator's power action is discarded", async () => {
    const uuid = await node("s-race");
    const open = bmc.hold();
    const pass = tc.conductor.powerSync.syncOnce(); // will read "power off", held at the BMC
    await Bun.sleep(20);
    open();
    // an operator's power on is recorded between the sync's read and its write
    tc.conductor.store.nodes.update(uuid, { power_state: "power on" });
    expect((await pass).get(uuid)).toBe("skipped");
    expect(get(uuid).power_state).toBe("power on");
  });

  test("failing reads are counted; past power_state_sync_max_retries the node goes into maintenance with fault 'power failure'; recovery brings it back", async () => {
    const uuid = await node("s-fail", "power on");
    bmc.failWith = conductorError("BMC_UNREACHABLE", { driver: "scripted-bmc", bmc: "127.0.0.1:6231", reason: "no answer" });
    for (let attempt = 1; attempt <= 2; attempt++) {
      expect((await tc.conductor.powerSync.syncOnce()).get(uuid)).toBe("failed");
      expect(tc.conductor.powerSync.failures(uuid)).toBe(attempt);
      expect(get(uuid).maintenance).toBe(false);
    }
    expect((await tc.conductor.powerSync.syncOnce()).get(uuid)).toBe("maintenance");
    const n = get(uuid);
    expect(n).toMatchObject({ maintenance: true, fault: "power failure", power_state: null });
    expect(n.maintenance_reason).toContain(`During sync_power_state, max retries exceeded for node ${uuid}`);
    expect(n.maintenance_reason).toContain("Error: scripted-bmc BMC 127.0.0.1:6231 is unreachable: no answer");
    expect(n.last_error).toBe(n.maintenance_reason);
    // in maintenance: the sync leaves it alone, the recovery keeps trying
    const reads = bmc.count("getPowerState");
    expect((await tc.conductor.powerSync.syncOnce()).has(uuid)).toBe(false);
    expect((await tc.conductor.powerSync.recoverOnce()).get(uuid)).toBe("failed");
    expect(bmc.count("getPowerState")).toBe(reads + 1);
    bmc.failWith = null;
    expect((await tc.conductor.powerSync.recoverOnce()).get(uuid)).toBe("recovered");
    expect(get(uuid)).toMatchObject({ maintenance: false, fault: null, maintenance_reason: null, power_state: "power on" });
    expect(tc.conductor.powerSync.failures(uuid)).toBe(0);
    const monitoring = tc.conductor.store.history.list(uuid).filter((e) => e.event_type === "monitoring");
    expect(monitoring.map((e) => e.severity)).toEqual(["ERROR", "INFO"]);
    expect(monitoring[0]!.event).toBe(n.last_error!);
  });

  test("recovery leaves alone a node an operator put into maintenance", async () => {
    const uuid = await node("s-opmaint");
    tc.conductor.store.nodes.update(uuid, { maintenance: true, maintenance_reason: "disk swap" });
    expect((await tc.conductor.powerSync.recoverOnce()).get(uuid)).toBe("skipped");
    expect(get(uuid).maintenance).toBe(true);
    expect(bmc.calls.length).toBe(0);
  });

  test("at most sync_power_state_workers BMCs are read at once", async () => {
    await tc.destroy();
    await start({ sync_power_state_workers: 3 });
    for (let i = 0; i < 10; i++) await node(`s-pool-${i}`);
    const open = bmc.hold();
    const pass = tc.conductor.powerSync.syncOnce();
    await Bun.sleep(30);
    expect(bmc.calls.length).toBe(3);
    open();
    const out = await pass;
    expect([...out.values()].filter((o) => o === "unchanged").length).toBe(10);
    expect(bmc.maxConcurrent).toBe(3);
  });
});

describe("with force_power_state_during_sync", () => {
  beforeEach(() => start({ force_power_state_during_sync: true }));
  afterEach(() => tc.destroy());

  test("the node is powered back to its recorded state", async () => {
    const uuid = await node("f-1", "power on");
    bmc.state.set(uuid, "power off");
    expect((await tc.conductor.powerSync.syncOnce()).get(uuid)).toBe("forced");
    expect(bmc.calls.filter((c) => c.method === "setPowerState").map((c) => c.arg)).toEqual(["power on"]);
    expect(bmc.state.get(uuid)).toBe("power on");
    expect(get(uuid)).toMatchObject({ power_state: "power on", target_power_state: null });
    expect(logs.some((l) => l.event === "power_state_forced" && l.node === uuid)).toBe(true);
  });
});

describe("the periodic loop", () => {
  afterEach(() => tc.destroy());

  test("survives a failing store: logs, backs off, and syncs again once the store is back", async () => {
    await start({ sync_power_state_interval: 0.05 });
    const uuid = await node("l-1", "power on");
    const nodes = tc.conductor.store.nodes;
    const realList = nodes.list;
    let failing = true;
    nodes.list = (q) => {
      if (failing) throw new Error("SQLITE_IOERR: disk I/O error");
      return realList.call(nodes, q);
    };
    tc.conductor.powerSync.start();
    const deadline = Date.now() + 5000;
    const failedLine = () => logs.find((l) => l.loop === "power state sync" && l.msg === "power state sync failed; retrying");
    while (!failedLine() && Date.now() < deadline) await Bun.sleep(20);
    expect(failedLine()).toMatchObject({ err: { type: "Error", message: "SQLITE_IOERR: disk I/O error" }, failures: 1 });
    failing = false;
    bmc.state.set(uuid, "power off");
    while (get(uuid).power_state !== "power off" && Date.now() < deadline + 5000) await Bun.sleep(20);
    expect(get(uuid).power_state).toBe("power off");
    expect(logs.some((l) => l.msg === "power state sync works again")).toBe(true);
    // and it keeps running after the recovery
    bmc.state.set(uuid, "power on");
    while (get(uuid).power_state !== "power on" && Date.now() < deadline + 10_000) await Bun.sleep(20);
    expect(get(uuid).power_state).toBe("power on");
    nodes.list = realList;
  });

  test("interval 0 disables it", async () => {
    await start({ sync_power_state_interval: 0 });
    await node("l-2", "power on");
    tc.conductor.powerSync.start();
    await Bun.sleep(150);
    expect(bmc.calls.length).toBe(0);
  });
});

describe("test safety", () => {
  test("BMC addresses off loopback are refused by the harness's gate", () => {
    const ok = (driver_info: Record<string, unknown>) => loopbackBmcOnly({ driver_info });
    expect(ok({})).toBe(true);
    expect(ok({ ipmi_address: "127.0.0.1", ipmi_port: 6230 })).toBe(true);
    expect(ok({ redfish_address: "https://[::1]:8000" })).toBe(true);
    expect(ok({ redfish_address: "https://localhost:8000" })).toBe(true);
    expect(ok({ ipmi_address: "10.0.0.5" })).toBe(false);
    expect(ok({ ipmi_address: "bmc.example.com" })).toBe(false);
    expect(ok({ redfish_address: "https://192.168.1.10" })).toBe(false);
    expect(ok({ ipmi_address: "127.0.0.1.evil.example" })).toBe(false);
  });

  test("the sync never contacts a node whose BMC is off loopback", async () => {
    await start();
    try {
      const uuid = await node("t-off", "power on", { driver_info: { scripted_address: "10.1.2.3" } });
      expect((await tc.conductor.powerSync.syncOnce()).get(uuid)).toBe("skipped");
      expect(bmc.calls.length).toBe(0);
    } finally {
      await tc.destroy();
    }
  });
});
