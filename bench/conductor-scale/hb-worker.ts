/**
 * @module bench/conductor-scale/hb-worker
 * One load-generator process: heartbeats its share of the nodes (every `workers`-th, from
 * `index`) at `rate`/s, open loop, from `startAt` (epoch ms) for `seconds`, over a keep-alive
 * pool; prints one JSON line: latencies, errors, how late requests left, its own CPU seconds.
 * Usage: bun hb-worker.ts URL NODES_JSON INDEX WORKERS RATE SECONDS START_AT_MS
 */
import { readFileSync } from "node:fs";
import { heartbeatRequest, openPool } from "./hb-client.ts";

const [url, nodesFile, indexArg, workersArg, rateArg, secondsArg, startArg] = process.argv.slice(2);
if (!url || !nodesFile) throw new Error("usage: hb-worker.ts URL NODES_JSON INDEX WORKERS RATE SECONDS START_AT_MS");
const { hostname, port, host } = new URL(url);
const index = Number(indexArg);
const workers = Number(workersArg);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const startAt = Number(startArg);

const nodes = (JSON.parse(readFileSync(nodesFile, "utf8")) as { uuid: string; body: string }[]).filter((_, i) => i % workers === index);
const requests = nodes.map((n) => heartbeatRequest(host, `/v1/heartbeat/${n.uuid}`, n.body));
// enough connections for bursts; one request per connection at a time
const pool = await openPool(hostname, Number(port), Math.min(64, Math.max(8, Math.ceil(rate / 250))));

const lat: number[] = [];
const late: number[] = [];
let errors = 0;
let sent = 0;
let done = 0;
const cpu0 = process.cpuUsage();
await Bun.sleep(Math.max(0, startAt - Date.now()));
const t0 = performance.now();
const end = t0 + seconds * 1000;
let k = 0;
const onDone = (r: { status: number; ms: number }) => {
  done++;
  lat.push(r.ms);
  if (r.status !== 202) errors++;
};
while (performance.now() < end) {
  const now = performance.now();
  const due = Math.floor(((now - t0) / 1000) * rate);
  while (sent < due) {
    if (!pool.send(requests[k % requests.length]!, onDone)) break; // every connection busy: the rest leave late
    late.push(now - (t0 + (sent / rate) * 1000));
    sent++;
    k++;
  }
  await Bun.sleep(1);
}
const drainBy = performance.now() + 5000;
while (pool.busy > 0 && performance.now() < drainBy) await Bun.sleep(1);
errors += pool.busy;
const cpu = process.cpuUsage(cpu0);
pool.close();
// Bun.write waits until the pipe has taken everything (process.stdout.write may not before exit)
await Bun.write(Bun.stdout, JSON.stringify({ lat, late, errors, sent, done, seconds: (performance.now() - t0) / 1000, cpuS: (cpu.user + cpu.system) / 1e6 }) + "\n");
process.exit(0);
