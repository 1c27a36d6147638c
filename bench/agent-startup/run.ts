/**
 * Agent start-up and footprint: time from exec to the first accepted heartbeat (auto-TLS on
 * and off), idle RSS, against the baseline of merely starting the same binary
 * (`dist/teeth --version`). Medians of N runs.
 *
 *   node_modules/.bin/bun bench/agent-startup/run.ts        # N=7
 */
import { statSync } from "node:fs";
import { startAgentProcess, TEETH_BIN } from "../../test/support/agent-process.ts";
import { startStandInConductor } from "../../test/support/stand-in-conductor.ts";

const N = Number(process.env.BENCH_REPS ?? 7);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function baseline(): Promise<number> {
  const t = performance.now();
  const p = Bun.spawn([TEETH_BIN, "--version"], { stdout: "ignore" });
  await p.exited;
  return performance.now() - t;
}

async function firstHeartbeat(tls: boolean): Promise<{ ms: number; rssKiB: number }> {
  const conductor = startStandInConductor();
  const t = performance.now();
  const agent = await startAgentProcess([`--ipa-api-url=${conductor.url}`, `--teeth-auto-tls=${tls ? 1 : 0}`, `--teeth-tls-dir=/tmp/teeth-bench-tls-${process.pid}`], { https: tls });
  try {
    await conductor.waitForHeartbeats(1, 60_000);
    const ms = conductor.heartbeats[0]!.at - t;
    await Bun.sleep(2000);
    return { ms, rssKiB: await agent.rssKiB() };
  } finally {
    await agent.stop();
    conductor.stop();
  }
}

const base: number[] = [];
const plain: Array<{ ms: number; rssKiB: number }> = [];
const tls: Array<{ ms: number; rssKiB: number }> = [];
for (let i = 0; i < N; i++) {
  base.push(await baseline());
  plain.push(await firstHeartbeat(false));
  tls.push(await firstHeartbeat(true));
}
const b = median(base);
const row = (name: string, xs: Array<{ ms: number; rssKiB: number }>) => {
  const ms = median(xs.map((x) => x.ms));
  const rss = median(xs.map((x) => x.rssKiB)) / 1024;
  console.log(`${name.padEnd(34)} ${ms.toFixed(0).padStart(8)} ms  ${(ms / b).toFixed(1).padStart(6)}x  ${rss.toFixed(1).padStart(8)} MiB`);
};
console.log(`binary: ${TEETH_BIN} ${(statSync(TEETH_BIN).size / 2 ** 20).toFixed(1)} MiB; ${N} runs, medians`);
console.log(`${"case".padEnd(34)} ${"time".padStart(11)}  ${"ratio".padStart(7)}  ${"idle RSS".padStart(12)}`);
console.log(`${"baseline: teeth --version".padEnd(34)} ${b.toFixed(0).padStart(8)} ms  ${"1.0".padStart(6)}x`);
row("exec -> first heartbeat (http)", plain);
row("exec -> first heartbeat (auto-TLS)", tls);
