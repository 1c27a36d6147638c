/**
 * @module test/conductor/helpers/store-load
 * Load and faults for the store fault tests: a conductor as its own process, a fleet of
 * fast-track nodes with agent tokens, heartbeat/read/write load that records every answer
 * with its latency, a lock held by another process, and the figures the tests print.
 */
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { freePort } from "./harness.ts";

const ROOT = join(import.meta.dir, "../../..");
const LOCKER = join(import.meta.dir, "hold-db-lock.ts");
const HEADERS = { "X-OpenStack-Ironic-API-Version": "1.82", "Content-Type": "application/json" };

/** Registers a cleanup (run after the tests, last registered first). */
export type Defer = (fn: () => unknown) => void;

export interface Reply {
  status: number;
  json: any;
  text: string;
  retryAfter: string | null;
  ms: number;
  at: number;
}

/** One request; a connection that fails (a conductor that died) comes back as status 0. */
export async function call(url: string, method: string, path: string, body?: unknown): Promise<Reply> {
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

export async function must(status: number, p: Promise<Reply>): Promise<Reply> {
  const r = await p;
  if (r.status !== status) throw new Error(`expected HTTP ${status}, got ${r.status}: ${r.text}`);
  return r;
}

/**
 * A conductor as its own process (a crash must be visible as an exit, not take the test
 * runner). Its log goes to `logDir` (default: a temp dir of its own).
 */
export async function startConductor(defer: Defer, dataDir: string, logDir?: string) {
  if (!logDir) {
    const dir = mkdtempSync(join(tmpdir(), "teeth-sf-log-"));
    defer(() => rmSync(dir, { recursive: true, force: true }));
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
  defer(async () => {
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

export interface FleetNode {
  uuid: string;
  token: string;
  callback: string;
}

/** Nodes in `manageable` with fast track on: each looked up once (token) and heartbeated once (agent recorded). */
export async function enrollFleet(url: string, prefix: string, n: number): Promise<FleetNode[]> {
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

export const heartbeat = (url: string, n: FleetNode) =>
  call(url, "POST", `/v1/heartbeat/${n.uuid}`, { callback_url: n.callback, agent_token: n.token, agent_version: "stand-in" });

export interface Load {
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
export function startLoad(url: string, fleet: FleetNode[], writeNode?: string, blobBytes = 0): Load {
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
export async function lockFromAnotherProcess(defer: Defer, dbPath: string) {
  const p: Subprocess<"pipe", "pipe", "inherit"> = Bun.spawn([process.execPath, LOCKER, dbPath], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  defer(() => p.kill("SIGKILL"));
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

export function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN);
  return { n: s.length, median: Math.round(at(0.5)), p95: Math.round(at(0.95)), max: Math.round(s.at(-1) ?? NaN) };
}

export const within = <T extends { at: number }>(xs: T[], from: number, to: number) => xs.filter((x) => x.at >= from && x.at < to);
export const count = (xs: { status: number }[], pred: (s: number) => boolean) => xs.filter((x) => pred(x.status)).length;
/** Answers that must never happen: no answer at all (status 0) or any 5xx other than 503. */
export const broken = (s: number) => s === 0 || (s >= 500 && s !== 503);

/** The stored heartbeat times, read from the file as any SQLite client would. */
export function storedBeats(dbPath: string): Map<string, number | null> {
  const db = new Database(dbPath, { readonly: true });
  try {
    const rows = db.query<{ uuid: string; agent_last_heartbeat: number | null }, []>("SELECT uuid, agent_last_heartbeat FROM nodes").all();
    return new Map(rows.map((r) => [r.uuid, r.agent_last_heartbeat]));
  } finally {
    db.close();
  }
}

export function report(label: string, load: Load, from: number, to: number) {
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
