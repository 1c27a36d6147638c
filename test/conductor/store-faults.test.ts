/**
 * Store faults under load, against a real conductor process: its SQLite file locked by another
 * process for several seconds, and its data directory full (a small tmpfs). Under heartbeats
 * and API reads and writes the conductor must stay up, answer 503 with Retry-After (Ironic's
 * error body) for writes it cannot make, keep reads and `GET /` responsive, and lose nothing it
 * acknowledged: every 2xx write is in the store once the fault clears, every 503 write is not,
 * and heartbeats it buffered during the fault are written afterwards.
 *
 * Latency is measured and printed (`[store-faults] ...` lines), bounded only generously.
 */
import { afterAll, expect, test } from "bun:test";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspectViaAgent } from "../../conductor/orchestration/inspection.ts";
import { processAgentSteps } from "../../conductor/orchestration/step-runner.ts";
import { createStore } from "../../conductor/store/index.ts";
import { startTestConductor } from "./helpers/harness.ts";
import { startStandInAgent } from "./helpers/stand-in-agent.ts";
import {
  broken, call, count, enrollFleet, heartbeat, lockFromAnotherProcess, must, report, startConductor, startLoad, storedBeats, within,
  type Defer, type Load, type Reply,
} from "./helpers/store-load.ts";

const cleanups: (() => unknown)[] = [];
const defer: Defer = (fn) => void cleanups.push(fn);
afterAll(async () => {
  for (const f of cleanups.reverse()) {
    try {
      await f();
    } catch {}
  }
});

/** A temporary directory removed after the tests. */
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every heartbeat answered 202 is on disk (its time or a later one), within a generous wait for the flush. */
async function expectBeatsFlushed(dbPath: string, load: Load) {
  const lastAcked = new Map<string, number>();
  for (const h of load.heartbeats) if (h.status === 202) lastAcked.set(h.node, Math.max(lastAcked.get(h.node) ?? 0, h.at));
  let missing: string[] = [];
  for (let i = 0; i < 150; i++) {
    const stored = storedBeats(dbPath);
    missing = [...lastAcked].filter(([uuid, at]) => (stored.get(uuid) ?? 0) < at).map(([uuid]) => uuid);
    if (!missing.length) return;
    await Bun.sleep(100);
  }
  throw new Error(`acknowledged heartbeats never written for ${missing.length} node(s): ${missing.join(", ")}`);
}

/** Every 503 is the catalogued store error: Ironic's body, a reason, Retry-After. */
function expectWellFormed503s(replies: Reply[], reason: RegExp) {
  for (const r of replies.filter((x) => x.status === 503)) {
    expect(Number(r.retryAfter)).toBeGreaterThan(0);
    const fault = JSON.parse(r.json.error_message);
    expect(fault.faultcode).toBe("Server");
    expect(fault.faultstring).toMatch(reason);
  }
}

/** After the fault: every acknowledged write is there, every refused one is not. */
async function expectWritesKept(url: string, writeNode: string, load: Load) {
  const node = (await must(200, call(url, "GET", `/v1/nodes/${writeNode}`))).json;
  for (const w of load.writes) {
    if (w.kind === "patch") {
      if (w.status === 200) expect({ key: w.key, stored: node.extra[w.key] }).toEqual({ key: w.key, stored: Number(w.key.slice(1)) });
      else expect({ key: w.key, stored: node.extra[w.key] }).toEqual({ key: w.key, stored: undefined });
    } else {
      const got = await call(url, "GET", `/v1/nodes/${w.key}`);
      expect({ key: w.key, status: got.status }).toEqual({ key: w.key, status: w.status === 201 ? 200 : 404 });
    }
  }
}

test("a heartbeat flush that cannot write (database locked 7 s by another process) does not stop the conductor; the buffered heartbeats are written once it is free", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "teeth-sf-lock1-"));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const c = await startConductor(defer, dataDir);
  const fleet = await enrollFleet(c.url, "hb", 5);
  const load = startLoad(c.url, fleet);
  await Bun.sleep(500);
  const lock = await lockFromAnotherProcess(defer, c.dbPath);
  const from = Date.now();
  // longer than the old 5 s busy timeout: the flush fails while heartbeats keep arriving
  await Bun.sleep(7000);
  await load.stopHeartbeats();
  await lock.release();
  const to = Date.now();
  expect(c.proc.exitCode).toBeNull();
  await expectBeatsFlushed(c.dbPath, load);
  await load.stop();
  report("heartbeat flush, database locked", load, from, to);
  expect(c.proc.exitCode).toBeNull();
  const log = await Bun.file(c.log).text();
  expect(log).toContain("heartbeat flush failed; retrying");
  expect(log).toContain("heartbeat flush works again");
  expect((await call(c.url, "GET", "/")).status).toBe(200);
  expect(count(load.heartbeats, broken)).toBe(0);
}, 90_000);

test("while another process holds the database, writes answer 503 with Retry-After, reads and GET / stay responsive, and no acknowledged write is lost", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "teeth-sf-lock2-"));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const c = await startConductor(defer, dataDir);
  const fleet = await enrollFleet(c.url, "api", 5);
  const writeNode = fleet[1]!.uuid;
  const load = startLoad(c.url, fleet, writeNode);
  await Bun.sleep(1000);
  const lock = await lockFromAnotherProcess(defer, c.dbPath);
  const from = Date.now();
  await Bun.sleep(6000);
  await load.stopHeartbeats();
  await lock.release();
  const to = Date.now();
  await Bun.sleep(1000);
  await load.stop();
  report("API under load, database locked", load, from, to);
  expect(c.proc.exitCode).toBeNull();

  const writesDuring = within(load.writes, from, to);
  const all = [...load.writes, ...load.heartbeats, ...load.reads];
  expect(count(all, broken)).toBe(0);
  expect(count(writesDuring, (s) => s === 503)).toBeGreaterThan(0);
  expectWellFormed503s(all, /locked/);
  // reads never need the write lock; generous bound, the machine is shared
  const readsDuring = within(load.reads, from, to);
  expect(readsDuring.length).toBeGreaterThan(10);
  expect(count(readsDuring, (s) => s !== 200)).toBe(0);
  expect(Math.max(...readsDuring.filter((r) => r.path === "/").map((r) => r.ms))).toBeLessThan(2000);
  // writes work again, nothing acknowledged was lost, nothing refused was half made
  expect((await call(c.url, "PATCH", `/v1/nodes/${writeNode}`, [{ op: "add", path: "/extra/after", value: 1 }])).status).toBe(200);
  await expectWritesKept(c.url, writeNode, load);
  await expectBeatsFlushed(c.dbPath, load);
}, 90_000);

const isRoot = process.getuid?.() === 0;

test.skipIf(!isRoot)("with the data directory full, writes answer 503 with Retry-After, reads stay up, and after space is freed nothing acknowledged is lost", async () => {
  const mnt = mkdtempSync(join(tmpdir(), "teeth-sf-full-"));
  cleanups.push(() => rmSync(mnt, { recursive: true, force: true }));
  const mount = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=24m", "teeth-sf-full", mnt]);
  if (mount.exitCode !== 0) throw new Error(`mount tmpfs: ${mount.stderr.toString()}`);
  cleanups.push(() => {
    if (Bun.spawnSync(["umount", mnt]).exitCode !== 0) Bun.spawnSync(["umount", "-l", mnt]);
  });
  const dataDir = join(mnt, "data");
  mkdirSync(dataDir);
  // the log on the same full file system, as /var/lib/teeth and /var/log on one root
  const logDir = join(mnt, "log");
  mkdirSync(logDir);
  const c = await startConductor(defer, dataDir, logDir);
  const fleet = await enrollFleet(c.url, "full", 5);
  const writeNode = fleet[1]!.uuid;
  const load = startLoad(c.url, fleet, writeNode, 32 * 1024);
  await Bun.sleep(1000);

  // fill what is left of the file system, in big then small pieces
  const filler = join(mnt, "filler");
  const fd = openSync(filler, "w");
  for (const size of [1 << 20, 4096, 512]) {
    const chunk = Buffer.alloc(size, 1);
    try {
      for (;;) writeSync(fd, chunk);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
    }
  }
  closeSync(fd);
  const from = Date.now();
  await Bun.sleep(5000);
  await load.stopHeartbeats();
  unlinkSync(filler);
  const to = Date.now();
  await Bun.sleep(1000);
  await load.stop();
  report("API under load, data directory full", load, from, to);
  expect(c.proc.exitCode).toBeNull();

  const all = [...load.writes, ...load.heartbeats, ...load.reads];
  expect(count(all, broken)).toBe(0);
  expect(count(within(load.writes, from, to), (s) => s === 503)).toBeGreaterThan(0);
  expectWellFormed503s(all, /full/);
  const readsDuring = within(load.reads, from, to);
  expect(count(readsDuring, (s) => s !== 200)).toBe(0);
  expect(Math.max(...readsDuring.filter((r) => r.path === "/").map((r) => r.ms))).toBeLessThan(2000);
  expect((await call(c.url, "PATCH", `/v1/nodes/${writeNode}`, [{ op: "add", path: "/extra/after", value: 1 }])).status).toBe(200);
  await expectWritesKept(c.url, writeNode, load);
  await expectBeatsFlushed(c.dbPath, load);
  expect(existsSync(c.dbPath)).toBe(true);
  // what the operator reads: the flush failed, then worked again (lines kept while the disk was full)
  const log = await Bun.file(c.log).text();
  expect(log).toContain("heartbeat flush failed; retrying");
  expect(log).toContain("heartbeat flush works again");
}, 90_000);

test("recovery at start on a locked database: the conductor starts and serves, and fails the interrupted node once the lock is gone", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "teeth-sf-recover-"));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const dbPath = join(dataDir, "teeth.db");
  // a node a dead conductor was deploying
  const uuid = "0d7c6e0e-7d1a-4c8e-9a59-6f0c2b1d1a01";
  const seed = createStore(dbPath);
  seed.nodes.insert({
    uuid, name: "interrupted", driver: "fake-hardware", provision_state: "deploying", target_provision_state: "active",
    power_state: "power on", target_power_state: null, maintenance: false, maintenance_reason: null, fault: null, last_error: null,
    instance_uuid: null, driver_info: {}, driver_internal_info: {}, properties: {}, instance_info: {}, extra: {}, attrs: {},
    clean_step: null, deploy_step: null, agent_url: null, agent_token: null, agent_verify_ca: null, agent_version: null,
    agent_last_heartbeat: null, provision_updated_at: Date.now(), inspection_started_at: null, inspection_finished_at: null, created_at: Date.now(), updated_at: null,
  });
  seed.close();
  const lock = await lockFromAnotherProcess(defer, dbPath);
  const h = await startTestConductor({}, dataDir);
  cleanups.push(() => h.stop());
  const during = await h.api("GET", `/v1/nodes/${uuid}`);
  expect(during.json.provision_state).toBe("deploying");
  expect((await h.api("GET", "/")).status).toBe(200);
  const write = await h.api("PATCH", `/v1/nodes/${uuid}`, [{ op: "add", path: "/extra/x", value: 1 }]);
  expect(write.status).toBe(503);
  expect(JSON.parse(write.json.error_message).faultstring).toMatch(/locked by another process/);
  await lock.release();
  const node = await h.waitFor(uuid, (n) => n.provision_state === "deploy failed", 20_000);
  expect(node.last_error).toContain("The conductor restarted while node");
}, 60_000);

test("a clean step that ends while the database is locked is not failed for it: processing yields, and the run ends as the agent said once the lock is gone", async () => {
  const h = await startTestConductor({ agent: { poll_interval_s: 0.1, heartbeat_timeout_s: 30 } }, tempDir("teeth-sf-run-"));
  cleanups.push(() => h.stop());
  const mac = "52:54:00:5f:00:01";
  const uuid = await h.enroll("sf-clean", mac);
  const agent = await startStandInAgent({ apiUrl: h.url, macs: [mac], slowSteps: { erase_devices_metadata: 8 }, failSteps: { erase_devices_metadata: "wipefs: device busy" } });
  cleanups.push(() => agent.stop());
  expect((await h.api("PUT", "/v1/nodes/sf-clean/states/provision", { target: "clean", clean_steps: [{ interface: "deploy", step: "erase_devices_metadata" }] })).status).toBe(202);
  await h.waitFor("sf-clean", (n) => n.clean_step?.step === "erase_devices_metadata" && n.provision_state === "clean wait");
  // drive the step ourselves, as the poller would, holding the node's lock so nothing else does
  const ctx = h.conductor.ctx;
  let release: (() => void) | null = null;
  for (let i = 0; i < 200 && !(release = ctx.locks.tryLock(uuid, "test")); i++) await Bun.sleep(5);
  expect(release).not.toBeNull();
  const lock = await lockFromAnotherProcess(defer, join(h.dataDir, "teeth.db"));
  const outcomes: string[] = [];
  try {
    // each call polls the agent once; the step ends FAILED within 8 polls, and recording that needs a write
    for (let i = 0; i < 12 && outcomes.at(-1) !== "idle"; i++) outcomes.push(await processAgentSteps(ctx, uuid));
  } finally {
    release!();
  }
  expect(outcomes.at(-1)).toBe("idle");
  const during = (await h.api("GET", "/v1/nodes/sf-clean")).json;
  expect({ state: during.provision_state, last_error: during.last_error }).toEqual({ state: "clean wait", last_error: null });
  await lock.release();
  const after = await h.waitFor("sf-clean", (n) => n.provision_state === "clean failed", 15_000);
  expect(after.last_error).toContain("wipefs: device busy");
}, 60_000);

test("an inventory that cannot be saved (database locked) does not fail the inspection: the node waits, and the next heartbeat finishes it", async () => {
  const h = await startTestConductor({ agent: { poll_interval_s: 0.1, heartbeat_timeout_s: 30 } }, tempDir("teeth-sf-run-"));
  cleanups.push(() => h.stop());
  const mac = "52:54:00:5f:00:02";
  const uuid = await h.enroll("sf-inspect", mac);
  expect((await h.api("PUT", "/v1/nodes/sf-inspect/states/provision", { target: "inspect" })).status).toBe(202);
  await h.waitFor("sf-inspect", (n) => n.provision_state === "inspect wait");
  // hold the node so the agent's heartbeats only record it; we run the inspection step ourselves
  const ctx = h.conductor.ctx;
  const release = ctx.locks.tryLock(uuid, "test");
  expect(release).not.toBeNull();
  const agent = await startStandInAgent({ apiUrl: h.url, macs: [mac] });
  cleanups.push(() => agent.stop());
  for (let i = 0; i < 200 && !ctx.store.nodes.get(uuid)?.agent_url; i++) await Bun.sleep(10);
  const lock = await lockFromAnotherProcess(defer, join(h.dataDir, "teeth.db"));
  try {
    await inspectViaAgent(ctx, uuid);
  } finally {
    release!();
  }
  const during = (await h.api("GET", "/v1/nodes/sf-inspect")).json;
  expect({ state: during.provision_state, last_error: during.last_error }).toEqual({ state: "inspect wait", last_error: null });
  await lock.release();
  const after = await h.waitFor("sf-inspect", (n) => n.provision_state === "manageable", 15_000);
  expect(after.last_error).toBeNull();
  expect((await h.api("GET", `/v1/nodes/${uuid}/inventory`)).status).toBe(200);
}, 60_000);

test("stopping while another process holds the database does not throw: the last flush is tried for a while, then given up, and the conductor is down", async () => {
  const h = await startTestConductor({ agent: { fast_track: true } }, tempDir("teeth-sf-stop-"));
  let stopped = false;
  cleanups.push(() => (stopped ? undefined : h.stop()));
  const [node] = await enrollFleet(h.url, "stop", 1);
  expect((await heartbeat(h.url, node!)).status).toBe(202); // buffered, not yet written
  const lock = await lockFromAnotherProcess(defer, join(h.dataDir, "teeth.db"));
  cleanups.push(() => lock.release());
  await h.stop();
  stopped = true;
  expect(await fetch(h.url).then(() => "up", () => "down")).toBe("down");
}, 60_000);
