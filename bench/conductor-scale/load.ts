/**
 * @module bench/conductor-scale/load
 * Simulated agents against one conductor: enrolls N nodes with a port each (fast track, so
 * they may look up and heartbeat while available), looks every one up for its token, then
 *  1. heartbeats every node once per `interval` s (the fleet goal: 10,000 nodes @ 30 s) and
 *     reads the conductor's CPU and RSS from /proc;
 *  2. ramps open-loop heartbeat rates and reports the highest one sustained with p99 < 50 ms.
 * Heartbeats come from GENERATORS (2) worker processes (hb-worker.ts) over keep-alive
 * connections; the conductor's CPU (from /proc) and the generators' are reported apart.
 * Usage: bun load.ts URL CONDUCTOR_PID [nodes=10000] [interval=30] [phase1_s=20]
 * Env: GENERATORS (2), RAMP_S (4 s per ramp step), WARMUP_S (5 s at the fleet rate, not measured),
 * SERVER ("conductor", or "baseline" for baseline-server.ts: same load, figures labelled
 * "baseline" and the last line is `BASELINE ...` instead of `RESULT ...`), RAMP_MAX (40000:
 * the highest ramp step).
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, pidArg, nArg, intervalArg, phaseArg] = process.argv.slice(2);
if (!url || !pidArg) throw new Error("usage: load.ts URL PID [nodes] [interval] [phase1_s]");
const PID = Number(pidArg);
const N = Number(nArg ?? 10_000);
const INTERVAL = Number(intervalArg ?? 30);
const PHASE1 = Number(phaseArg ?? 20);
const H = { "X-OpenStack-Ironic-API-Version": "1.68", "Content-Type": "application/json" };
const CLK_TCK = 100;
const SERVER = process.env.SERVER ?? "conductor";
const RAMP_MAX = Number(process.env.RAMP_MAX ?? 40_000);

function procStat(pid: number): { cpuS: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuS: (Number(f[11]) + Number(f[12])) / CLK_TCK, rssMiB: rss / 1024 };
}

async function pool<T>(items: T[], concurrency: number, fn: (t: T) => Promise<void>) {
  let i = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

async function call(method: string, path: string, body?: unknown, expect = [200, 201, 202]) {
  const r = await fetch(url + path, { method, headers: H, body: body === undefined ? undefined : JSON.stringify(body) });
  const t = await r.text();
  if (!expect.includes(r.status)) throw new Error(`${method} ${path}: ${r.status} ${t.slice(0, 200)}`);
  return t ? JSON.parse(t) : null;
}

const mac = (i: number) => `52:54:${[(i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255].map((b) => b.toString(16).padStart(2, "0")).join(":")}`;

const base = procStat(PID);
let t0 = performance.now();
const nodes: { uuid: string; token: string; mac: string; body: string }[] = [];
const idx = Array.from({ length: N }, (_, i) => i);
await pool(idx, 64, async (i) => {
  const n = await call("POST", "/v1/nodes", { name: `bench-${i}`, driver: "fake-hardware" });
  await call("POST", "/v1/ports", { address: mac(i), node_uuid: n.uuid });
  await call("PUT", `/v1/nodes/${n.uuid}/states/provision`, { target: "manage" });
  nodes[i] = { uuid: n.uuid, token: "", mac: mac(i), body: "" };
});
// manage finishes in the background; provide once every node is manageable
await pool(idx, 64, async (i) => {
  for (;;) {
    const r = await call("PUT", `/v1/nodes/${nodes[i]!.uuid}/states/provision`, { target: "provide" }, [202, 400, 409]);
    if (r === null) return;
    await Bun.sleep(20);
  }
});
const enrollS = (performance.now() - t0) / 1000;
t0 = performance.now();
await pool(idx, 64, async (i) => {
  const n = nodes[i]!;
  const r = await call("GET", `/v1/lookup?addresses=${n.mac}`);
  n.token = r.config.agent_token;
  n.body = JSON.stringify({ callback_url: `http://127.0.0.1:${10000 + (i % 50000)}`, agent_token: n.token, agent_version: "bench" });
});
const lookupS = (performance.now() - t0) / 1000;
console.log(`enrolled ${N} nodes (create+port+manage+provide) in ${enrollS.toFixed(1)} s; ${N} lookups in ${lookupS.toFixed(1)} s (${Math.round(N / lookupS)}/s)`);

// The heartbeats come from GENERATORS separate processes over keep-alive connections (see
// hb-client.ts): their CPU is measured apart from the conductor's, so a saturated generator
// shows as such instead of as conductor latency.
const GENERATORS = Number(process.env.GENERATORS ?? 2);
const nodesFile = join(tmpdir(), `teeth-bench-nodes-${process.pid}.json`);
writeFileSync(nodesFile, JSON.stringify(nodes.map((n) => ({ uuid: n.uuid, body: n.body }))));
process.on("exit", () => rmSync(nodesFile, { force: true }));

interface Sample { lat: number[]; late: number[]; errors: number; sent: number; done: number; conductorCpuPct: number; generatorCpuPct: number }

async function openLoop(rate: number, seconds: number): Promise<Sample> {
  const startAt = Date.now() + 400; // workers connect first, then start together
  const procs = Array.from({ length: GENERATORS }, (_, i) =>
    Bun.spawn([process.execPath, join(import.meta.dir, "hb-worker.ts"), url!, nodesFile, String(i), String(GENERATORS), String(rate / GENERATORS), String(seconds), String(startAt)], { stdout: "pipe", stderr: "inherit" }),
  );
  await Bun.sleep(Math.max(0, startAt - Date.now()));
  const c0 = procStat(PID).cpuS;
  const t = performance.now();
  const outs = await Promise.all(procs.map(async (p) => JSON.parse(await new Response(p.stdout).text()) as Omit<Sample, "conductorCpuPct" | "generatorCpuPct"> & { cpuS: number }));
  const wall = (performance.now() - t) / 1000;
  const s: Sample = { lat: [], late: [], errors: 0, sent: 0, done: 0, conductorCpuPct: ((procStat(PID).cpuS - c0) / wall) * 100, generatorCpuPct: 0 };
  for (const o of outs) {
    for (const x of o.lat) s.lat.push(x);
    for (const x of o.late) s.late.push(x);
    s.errors += o.errors;
    s.sent += o.sent;
    s.done += o.done;
    s.generatorCpuPct += (o.cpuS / wall) * 100;
  }
  return s;
}

const pct = (a: number[], p: number) => {
  const s = Float64Array.from(a).sort();
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

// Phase 1: the fleet at its normal heartbeat rate.
const fleetRate = N / INTERVAL;
// Unmeasured warm-up at the fleet rate: the first seconds of a fresh process include JIT
// compilation of the heartbeat path, which a conductor that runs for days does not pay.
const WARMUP_S = Number(process.env.WARMUP_S ?? 5);
if (WARMUP_S > 0) await openLoop(fleetRate, WARMUP_S);
const p1 = await openLoop(fleetRate, PHASE1);
const after = procStat(PID);
const cpuPct = p1.conductorCpuPct;
console.log(
  `phase 1: ${N} nodes heartbeating every ${INTERVAL} s (${fleetRate.toFixed(0)} hb/s) for ${PHASE1} s: ${SERVER} CPU ${cpuPct.toFixed(1)}% of one core, ` +
    `p50 ${pct(p1.lat, 50).toFixed(2)} ms, p99 ${pct(p1.lat, 99).toFixed(2)} ms, errors ${p1.errors} (generators: ${GENERATORS} processes, ${p1.generatorCpuPct.toFixed(0)}% CPU)`,
);
console.log(`RSS: ${base.rssMiB.toFixed(1)} MiB empty, ${after.rssMiB.toFixed(1)} MiB with ${N} nodes -> ${(((after.rssMiB - base.rssMiB) / N) * 1000).toFixed(2)} MiB per 1,000 nodes`);

// Phase 2: ramp.
let best = 0;
let capped = false; // every step passed: the ceiling is above RAMP_MAX
const RAMP_S = Number(process.env.RAMP_S ?? 4);
const steps = [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 10000, 12000, 15000, 20000, 25000, 30000, 40000].filter((r) => r <= RAMP_MAX);
for (const rate of steps) {
  const s = await openLoop(rate, RAMP_S);
  const achieved = s.done / RAMP_S;
  const p99 = pct(s.lat, 99);
  const ok = p99 < 50 && s.done >= rate * RAMP_S * 0.95 && s.errors === 0;
  console.log(
    `  target ${String(rate).padStart(5)} hb/s: achieved ${achieved.toFixed(0).padStart(5)}, p50 ${pct(s.lat, 50).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, errors ${s.errors}, ` +
      `${SERVER} CPU ${s.conductorCpuPct.toFixed(0)}%, generators CPU ${s.generatorCpuPct.toFixed(0)}% (p99 send lag ${pct(s.late, 99).toFixed(1)} ms) ${ok ? "ok" : "FAIL"}`,
  );
  if (!ok) break;
  best = Math.round(achieved);
  capped = rate === steps.at(-1);
  await Bun.sleep(500);
}
console.log(`sustained heartbeats/s at p99 < 50 ms: ${best}${capped ? " (every ramp step passed: the ceiling is higher)" : ""}`);
console.log(`${SERVER === "baseline" ? "BASELINE" : "RESULT"} nodes=${N} interval_s=${INTERVAL} cpu_pct_one_core=${cpuPct.toFixed(1)} rss_mib_per_1000_nodes=${(((after.rssMiB - base.rssMiB) / N) * 1000).toFixed(2)} sustained_hb_per_s=${best}${SERVER === "baseline" ? ` ramp_capped=${capped ? 1 : 0}` : ""}`);
process.exit(0);
