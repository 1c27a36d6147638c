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
import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeFileSync, writeSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { inspectViaAgent } from "../../conductor/orchestration/inspection.ts";
import { processAgentSteps } from "../../conductor/orchestration/step-runner.ts";
import { createStore } from "../../conductor/store/index.ts";
import { freePort, startTestConductor } from "./helpers/harness.ts";
import { startStandInAgent } from "./helpers/stand-in-agent.ts";

const ROOT = join(import.meta.dir, "../..");
const LOCKER = join(import.meta.dir, "helpers/hold-db-lock.ts");
const HEADERS = { "X-OpenStack-Ironic-API-Version": "1.82", "Content-Type": "application/json" };
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const f of cleanups.reverse()) {
    try {
      await f();
    } catch {}
  }
});

interface Reply {
  status: number;
  json: any;
  text: string;
  retryAfter: string | null;
  ms: number;
  at: number;
}

/** A temporary directory removed after the tests. */
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** One request; a connection that fails (a conductor that died) comes back as status 0. */
async function call(url: string, method: string, path: string, body?: unknown): Promise<Reply> {
  const at = Date.now();
  const t = performance.now();
  let r: Response;
  try {
    r = await fetch(url + path, {
      method,
      headers: HEADERS,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (e) {
    return { status: 0, json: null, text: String(e), retryAfter: null, ms: performance.now() - t, at };
  }
  const text = await r.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: r.status, json, text, retryAfter: r.headers.get("retry-after"), ms: performance.now() - t, at };
}

async function must(status: number, p: Promise<Reply>): Promise<Reply> {
  const r = await p;
  if (r.status !== status) throw new Error(`expected HTTP ${status}, got ${r.status}: ${r.text}`);
  return r;
}

/**
 * A conductor as its own process (a crash must be visible as an exit, not take the test
 * runner). Its log goes to `logDir` (default: a temp dir of its own).
 */
async function startConductor(dataDir: string, logDir?: string) {
  if (!logDir) {
    const dir = mkdtempSync(join(tmpdir(), "teeth-sf-log-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    logDir = dir;
  }
  const config = join(logDir, "conductor.json");
  writeFileSync(config, JSON.stringify({ log_level: "info", agent: { fast_track: true, poll_interval_s: 0.5 }, timeouts: { check_interval_s: 1 } }));
  const port = freePort();
  const log = join(logDir, "conductor.log");
  const proc = Bun.spawn([process.execPath, join(ROOT, "main.ts"), "conductor", "--config", config, "--data-dir", dataDir, "--listen", `127.0.0.1:${port}`], {
    stdout: Bun.file(log),
    stderr: Bun.file(join(logDir, "stderr.log")),
  });
  cleanups.push(async () => {
    proc.kill("SIGKILL");
    await proc.exited;
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (await fetch(url).then(() => true, () => false)) break;
    await Bun.sleep(50);
  }
  return { url, proc, log, dbPath: join(dataDir, "teeth.db") };
}

interface FleetNode {
  uuid: string;
  token: string;
  callback: string;
}

/** Nodes in `manageable` with fast track on: each looked up once (token) and heartbeated once (agent recorded). */
async function enrollFleet(url: string, prefix: string, n: number): Promise<FleetNode[]> {
  const fleet: FleetNode[] = [];
  for (let i = 0; i < n; i++) {
    const name = `${prefix}-${i}`;
    const uuid = (await must(201, call(url, "POST", "/v1/nodes", { name, driver: "fake-hardware" }))).json.uuid as string;
    await must(202, call(url, "PUT", `/v1/nodes/${uuid}/states/provision`, { target: "manage" }));
    for (let k = 0; k < 100 && (await call(url, "GET", `/v1/nodes/${uuid}`)).json.provision_state !== "manageable"; k++) await Bun.sleep(50);
    const token = (await must(200, call(url, "GET", `/v1/lookup?node_uuid=${uuid}`))).json.config.agent_token as string;
    const node = { uuid, token, callback: `http://127.0.0.1:${20000 + i}` };
    await must(202, heartbeat(url, node));
    fleet.push(node);
  }
  return fleet;
}

const heartbeat = (url: string, n: FleetNode) =>
  call(url, "POST", `/v1/heartbeat/${n.uuid}`, { callback_url: n.callback, agent_token: n.token, agent_version: "stand-in" });

interface Load {
  heartbeats: (Reply & { node: string })[];
  reads: (Reply & { path: string })[];
  writes: (Reply & { kind: "patch" | "create"; key: string })[];
  stopHeartbeats(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Heartbeats from every fleet node every 100 ms; `GET /` and `GET /v1/nodes/{id}` back to
 * back every 50 ms; when `writeNode` is given, a sequential stream of writes: a PATCH adding
 * `extra.k<i>` (with a `blob` of `blobBytes` to make each write grow the WAL) and every
 * fifth one a node create.
 */
function startLoad(url: string, fleet: FleetNode[], writeNode?: string, blobBytes = 0): Load {
  const load: Load = { heartbeats: [], reads: [], writes: [], stopHeartbeats: async () => {}, stop: async () => {} };
  let beating = true;
  let running = true;
  const loops: Promise<void>[] = [];
  const beatLoops = fleet.map(async (n) => {
    while (beating) {
      load.heartbeats.push({ ...(await heartbeat(url, n)), node: n.uuid });
      await Bun.sleep(100);
    }
  });
  loops.push(
    (async () => {
      while (running) {
        for (const path of ["/", `/v1/nodes/${fleet[0]!.uuid}`]) load.reads.push({ ...(await call(url, "GET", path)), path });
        await Bun.sleep(50);
      }
    })(),
  );
  if (writeNode) {
    loops.push(
      (async () => {
        for (let i = 0; running; i++) {
          const key = `k${i}`;
          const blob = blobBytes ? Buffer.alloc(blobBytes, String.fromCharCode(97 + (i % 26))).toString() : undefined;
          const ops: unknown[] = [{ op: "add", path: `/extra/${key}`, value: i }];
          if (blob) ops.push({ op: "add", path: "/extra/blob", value: blob });
          load.writes.push({ ...(await call(url, "PATCH", `/v1/nodes/${writeNode}`, ops)), kind: "patch", key });
          if (i % 5 === 0) {
            const name = `created-${i}`;
            load.writes.push({ ...(await call(url, "POST", "/v1/nodes", { name, driver: "fake-hardware", extra: blob ? { blob } : {} })), kind: "create", key: name });
          }
          await Bun.sleep(30);
        }
      })(),
    );
  }
  load.stopHeartbeats = async () => {
    beating = false;
    await Promise.all(beatLoops);
  };
  load.stop = async () => {
    await load.stopHeartbeats();
    running = false;
    await Promise.all(loops);
  };
  return load;
}

/** Holds `BEGIN EXCLUSIVE` on `dbPath` from another process until `release()`. */
async function lockFromAnotherProcess(dbPath: string) {
  const p: Subprocess<"pipe", "pipe", "inherit"> = Bun.spawn([process.execPath, LOCKER, dbPath], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  cleanups.push(() => p.kill("SIGKILL"));
  const reader = p.stdout.getReader();
  const first = await reader.read();
  if (!new TextDecoder().decode(first.value).includes("locked")) throw new Error("locker did not lock");
  return {
    async release() {
      p.stdin.write("release\n");
      p.stdin.end();
      await p.exited;
    },
  };
}

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN);
  return { n: s.length, median: Math.round(at(0.5)), p95: Math.round(at(0.95)), max: Math.round(s.at(-1) ?? NaN) };
}

const within = <T extends { at: number }>(xs: T[], from: number, to: number) => xs.filter((x) => x.at >= from && x.at < to);
const count = (xs: { status: number }[], pred: (s: number) => boolean) => xs.filter((x) => pred(x.status)).length;
/** Answers that must never happen: no answer at all (status 0) or any 5xx other than 503. */
const broken = (s: number) => s === 0 || (s >= 500 && s !== 503);

/** The stored heartbeat times, read from the file as any SQLite client would. */
function storedBeats(dbPath: string): Map<string, number | null> {
  const db = new Database(dbPath, { readonly: true });
  try {
    const rows = db.query<{ uuid: string; agent_last_heartbeat: number | null }, []>("SELECT uuid, agent_last_heartbeat FROM nodes").all();
    return new Map(rows.map((r) => [r.uuid, r.agent_last_heartbeat]));
  } finally {
    db.close();
  }
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

function report(label: string, load: Load, from: number, to: number) {
  const gets = (path: string, a: number, b: number) => stats(within(load.reads, a, b).filter((r) => r.path === path).map((r) => r.ms));
  const during = { writes: within(load.writes, from, to), beats: within(load.heartbeats, from, to) };
  console.log(
    `[store-faults] ${label} ${((to - from) / 1000).toFixed(1)} s: ` +
      `GET / before ${JSON.stringify(gets("/", 0, from))} during ${JSON.stringify(gets("/", from, to))} after ${JSON.stringify(gets("/", to, Infinity))}; ` +
      `GET node during ${JSON.stringify(gets(load.reads[1]?.path ?? "", from, to))}; ` +
      `writes during n=${during.writes.length} 2xx=${count(during.writes, (s) => s >= 200 && s < 300)} failed-to-connect=${count(during.writes, (s) => s === 0)} 503=${count(during.writes, (s) => s === 503)} ` +
      `max ${stats(during.writes.map((w) => w.ms)).max} ms; ` +
      `heartbeats during n=${during.beats.length} 202=${count(during.beats, (s) => s === 202)} 503=${count(during.beats, (s) => s === 503)}; ` +
      `total requests ${load.reads.length + load.writes.length + load.heartbeats.length}`,
  );
}

test("a heartbeat flush that cannot write (database locked 7 s by another process) does not stop the conductor; the buffered heartbeats are written once it is free", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "teeth-sf-lock1-"));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const c = await startConductor(dataDir);
  const fleet = await enrollFleet(c.url, "hb", 5);
  const load = startLoad(c.url, fleet);
  await Bun.sleep(500);
  const lock = await lockFromAnotherProcess(c.dbPath);
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
  const c = await startConductor(dataDir);
  const fleet = await enrollFleet(c.url, "api", 5);
  const writeNode = fleet[1]!.uuid;
  const load = startLoad(c.url, fleet, writeNode);
  await Bun.sleep(1000);
  const lock = await lockFromAnotherProcess(c.dbPath);
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
  const c = await startConductor(dataDir, logDir);
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
  const lock = await lockFromAnotherProcess(dbPath);
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
  const lock = await lockFromAnotherProcess(join(h.dataDir, "teeth.db"));
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
  const lock = await lockFromAnotherProcess(join(h.dataDir, "teeth.db"));
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
  const lock = await lockFromAnotherProcess(join(h.dataDir, "teeth.db"));
  cleanups.push(() => lock.release());
  await h.stop();
  stopped = true;
  expect(await fetch(h.url).then(() => "up", () => "down")).toBe("down");
}, 60_000);
