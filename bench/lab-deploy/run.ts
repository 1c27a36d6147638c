/**
 * Deploy time in the virtual rack (issue 14), `make bench-deploy`: one QEMU server behind its
 * ipmi_sim BMC, the compiled conductor and its dnsmasq in the namespace `lab-bn`, the OS image
 * of `make os-image` and a 2 MiB config drive. Each case deploys N times; each run is timed
 * from the `deploy` API call to the deployed OS's `TEETH-OS-BOOTED` marker on the serial
 * console (only that: enrolling, cleaning, undeploying and pre-staging are outside the
 * window), and counts the firmware's POSTs and the bytes the agent wrote in that window.
 * Ratios are against case 1, the classic flow, measured in the same run.
 *
 *   node_modules/.bin/bun bench/lab-deploy/run.ts                 # 3 runs per case, SeaBIOS
 *   node_modules/.bin/bun bench/lab-deploy/run.ts --runs 5 --firmware uefi --cases 1,2
 *   make bench-deploy RUNS=1 CASES=1,2 FIRMWARE=uefi
 *
 * Needs root (namespaces, taps), QEMU, ipmi_sim, dnsmasq, `make build ramdisk os-image`.
 * `--keep` leaves the lab up afterwards (remove it with: bun test/lab/lab-cli.ts down --name lab-bn).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { ZST } from "../../test/os-image/ensure-os-image.ts";
import { enroll, labApi, provision, waitFor, type Api } from "../../test/lab/lab-api.ts";
import { REPO, restartConductor, startLab, stopLab, type LabState } from "../../test/lab/lab.ts";
import type { ServerState } from "../../test/lab/servers.ts";
import { benchCases, unavailable, type BenchCase } from "./cases.ts";
import { makeConfigDrive } from "./config-drive.ts";
import { deployWindow, logOffset, readLinesFrom, type Firmware } from "./serial-window.ts";
import { formatSummary, type CaseResult, type RunResult } from "./summary.ts";

const NAME = "lab-bn";
const IMAGE = "os-image.raw.zst";
const MINUTES = 60_000;

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { runs: { type: "string", default: process.env.BENCH_RUNS ?? "3" }, firmware: { type: "string", default: process.env.BENCH_FIRMWARE ?? "bios" }, cases: { type: "string", default: process.env.BENCH_CASES ?? "1,2,3,4" }, keep: { type: "boolean", default: false } },
});
const RUNS = Number(values.runs);
const FIRMWARE = values.firmware as Firmware;
const CASES = values.cases!.split(",").map((s) => Number(s.trim()));
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
if (FIRMWARE !== "bios" && FIRMWARE !== "uefi") throw new Error(`--firmware must be bios or uefi, got ${values.firmware}`);
if (!CASES.every((c) => [1, 2, 3, 4].includes(c))) throw new Error(`--cases must be a list of 1..4, got ${values.cases}`);

const log = (s: string) => console.error(`[bench] ${s}`);
const now = () => Date.now() / 1000;

function sh(cmd: string): string {
  return Bun.spawnSync(["bash", "-c", cmd], { stdout: "pipe", stderr: "ignore" }).stdout.toString().trim();
}

function machineInfo(): string {
  const mem = /MemTotal:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"))?.[1];
  const manifest = JSON.parse(readFileSync(join(REPO, "build/os-image/teeth-os.json"), "utf8"));
  return [
    `machine: ${os.cpus()[0]?.model ?? "?"}, ${os.cpus().length} cores, ${mem ? (Number(mem) / 2 ** 20).toFixed(1) : "?"} GiB, load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}, Linux ${os.release()}`,
    `emulator: ${sh("qemu-system-x86_64 --version | head -1")}, TCG (software emulation, -cpu max), ${FIRMWARE === "bios" ? "SeaBIOS" : "OVMF"}`,
    `image: ${manifest.image_id} (${(manifest.files.raw.bytes / 2 ** 20).toFixed(0)} MiB raw, ${(manifest.files.zst.bytes / 2 ** 20).toFixed(1)} MiB zstd), kernel ${manifest.kernel_version}; binary ${join(REPO, "dist/teeth")}`,
  ].join("\n");
}

/** Power actions the BMC's hooks ran (power.log lines `start`, `stop`, `reset`) between two times. */
function powerActions(s: ServerState, from: number, to: number): number {
  if (!existsSync(s.powerLog)) return 0;
  return readFileSync(s.powerLog, "utf8")
    .split("\n")
    .filter((l) => {
      const [t, op] = l.split(" ");
      return Number(t) >= from && Number(t) <= to && ["start", "stop", "reset"].includes(op ?? "");
    }).length;
}

async function node(api: Api, uuid: string): Promise<any> {
  return (await api("GET", `/v1/nodes/${uuid}`)).json;
}

/**
 * Fast track's precondition: `available`, powered on, an agent heartbeat within 4 minutes (it
 * beats every 30-60% of the conductor's 300 s heartbeat timeout, which is what the conductor
 * itself checks).
 */
function agentReady(n: any): boolean {
  const hb = n?.driver_internal_info?.agent_last_heartbeat;
  return n?.provision_state === "available" && n.power_state === "power on" && typeof hb === "string" && Date.now() - Date.parse(hb) < 4 * MINUTES;
}

/** The node's pre-staged image as the conductor records it (`driver_internal_info.prestaged_image`); a recorded failure throws. */
function prestaged(n: any): boolean {
  const dii = n?.driver_internal_info ?? {};
  if (dii.prestage_failed) throw new Error(`pre-staging failed: ${dii.prestage_failed.reason}`);
  return dii.prestaged_image?.source === IMAGE;
}

/** Brings the node to the state the case starts from (untimed). */
async function prepare(api: Api, uuid: string, c: BenchCase): Promise<void> {
  let n = await node(api, uuid);
  if (n.provision_state !== "available") throw new Error(`node is ${n.provision_state}, not available`);
  if (c.needsAgent && !agentReady(n)) {
    log(`case ${c.id}: no agent waiting in available; manage + provide (cleaning boots the RAM disk)`);
    await provision(api, uuid, "manage", ["manageable"], 2 * MINUTES);
    await provision(api, uuid, "provide", ["available"], 20 * MINUTES);
    n = await waitFor("the agent heartbeating in available", async () => {
      const m = await node(api, uuid);
      return agentReady(m) ? m : null;
    }, 3 * MINUTES);
  }
  if (c.needsPrestage) await waitFor(`the pre-staged image recorded on the node`, async () => prestaged(await node(api, uuid)), 15 * MINUTES);
}

/**
 * The node's history entries since `t0` that say how the deploy went (fast track, kexec or
 * its fallback, a power cycle), oldest first; the history is paged, oldest first.
 */
async function historySince(api: Api, uuid: string, t0: number): Promise<string[]> {
  const out: string[] = [];
  let marker = "";
  for (let page = 0; page < 50; page++) {
    const r = await api("GET", `/v1/nodes/${uuid}/history?limit=1000${marker ? `&marker=${marker}` : ""}`);
    const items: any[] = r.json?.history ?? [];
    for (const e of items) if (Date.parse(e.created_at) / 1000 >= Math.floor(t0) - 1) out.push(String(e.event));
    if (items.length < 1000) break;
    marker = items.at(-1).uuid;
  }
  // Not the state transitions: what the conductor chose (fast track, kexec or its fallback).
  return out.filter((e) => !e.includes(" -> ") && /kexec|fast.track|firmware|fall|^Deploy of the pre-staged/i.test(e));
}

async function deployOnce(api: Api, s: ServerState, uuid: string, c: BenchCase, drive: string): Promise<RunResult> {
  const patch = Object.entries({ image_source: IMAGE, ...c.instanceInfo }).map(([k, v]) => ({ op: "add", path: `/instance_info/${k}`, value: v }));
  const r = await api("PATCH", `/v1/nodes/${uuid}`, patch);
  if (r.status !== 200) throw new Error(`instance_info: ${r.status} ${r.text}`);
  const serialFrom = logOffset(s.serialLog);
  const t0 = now();
  const d = await api("PUT", `/v1/nodes/${uuid}/states/provision`, { target: "active", configdrive: drive });
  if (d.status !== 202) throw new Error(`deploy: ${d.status} ${d.text}`);
  let activeAt: number | null = null;
  const w = await waitFor(
    "the OS marker on the serial console",
    async () => {
      if (activeAt === null) {
        const n = await node(api, uuid);
        if (n?.provision_state === "active" && !n.target_provision_state) activeAt = now();
        if (n?.provision_state === "deploy failed") throw new Error(`deploy failed: ${n.last_error}`);
      }
      const win = deployWindow(readLinesFrom(s.serialLog, serialFrom), FIRMWARE);
      return win.markerAt !== null ? win : null;
    },
    20 * MINUTES,
  );
  // After a kexec the OS may be up before the conductor has confirmed it (the agent stopped answering).
  if (activeAt === null) {
    await waitFor("the node active", async () => {
      const n = await node(api, uuid);
      if (n?.provision_state === "deploy failed") throw new Error(`deploy failed: ${n.last_error}`);
      return n?.provision_state === "active" && !n.target_provision_state ? (activeAt = now()) : null;
    }, 10 * MINUTES);
  }
  return {
    seconds: w.markerAt! - t0,
    toActive: activeAt !== null ? activeAt - t0 : null,
    posts: w.posts,
    bytesWritten: w.bytesWritten,
    powerActions: powerActions(s, t0, w.markerAt!),
    events: await historySince(api, uuid, t0),
  };
}

async function runCase(lab: LabState, s: ServerState, uuid: string, c: BenchCase, drive: string, why: string | null): Promise<{ lab: LabState; result: CaseResult }> {
  const result: CaseResult = { id: c.id, title: c.title, runs: [] };
  if (why) {
    log(`case ${c.id} (${c.title}): not available: ${why}`);
    return { lab, result: { ...result, unavailable: why } };
  }
  log(`case ${c.id} (${c.title}): conductor with ${JSON.stringify(c.conductor)}`);
  lab = await restartConductor(lab.dir, c.conductor);
  const api = labApi(lab);
  for (let i = 1; i <= RUNS; i++) {
    try {
      await prepare(api, uuid, c);
      const run = await deployOnce(api, s, uuid, c, drive);
      result.runs.push(run);
      log(`case ${c.id} run ${i}/${RUNS}: ${run.seconds.toFixed(1)} s to the marker (active at ${run.toActive?.toFixed(1) ?? "?"} s), ${run.posts} POSTs, ${run.powerActions} BMC power actions, ${run.bytesWritten ?? "?"} bytes written${run.events.length ? `; history: ${run.events.join(" | ")}` : ""}`);
    } catch (e) {
      result.unavailable = `run ${i} failed: ${e instanceof Error ? e.message : String(e)}`;
      log(`case ${c.id}: ${result.unavailable}`);
    }
    // Undeploy (untimed) so the next run starts from the same state.
    const n = await node(api, uuid);
    if (["active", "deploy failed", "deploying", "wait call-back"].includes(n?.provision_state)) {
      await waitFor("the node to settle", async () => !(await node(api, uuid))?.target_provision_state || null, 20 * MINUTES).catch(() => {});
      await provision(api, uuid, "deleted", ["available"], 20 * MINUTES).catch((e) => log(`undeploy: ${e.message}`));
    }
    if (result.unavailable) break;
  }
  return { lab, result };
}

async function main(): Promise<void> {
  const argv = [relative(process.cwd(), process.argv[1]!) || process.argv[1]!, ...process.argv.slice(2)];
  console.log(`command: bun ${argv.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(" ")}`);
  console.log(`runs per case: ${RUNS}; firmware: ${FIRMWARE}; cases: ${CASES.join(",")}`);
  console.log(machineInfo());
  const all = benchCases(IMAGE).filter((c) => CASES.includes(c.id));
  // Judged once, before anything runs: the binary and the RAM disk do not change during the run.
  const why = new Map(all.map((c) => [c.id, unavailable(c)]));
  // A UEFI server is the lab's even one: two servers, the first stays off.
  let lab = await startLab({ name: NAME, subnet: 87, servers: FIRMWARE === "uefi" ? 2 : 1, conductorConfig: all[0]!.conductor });
  const stop = async () => {
    if (values.keep) log(`lab kept: ${lab.dir} (remove with: bun test/lab/lab-cli.ts down --name ${NAME})`);
    else await stopLab(lab.dir, NAME);
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => void stop().then(() => process.exit(130)));
  try {
    const s = lab.servers.at(-1)!;
    const images = join(lab.conductor.dataDir, "images");
    mkdirSync(images, { recursive: true });
    copyFileSync(ZST, join(images, IMAGE));
    let api = labApi(lab);
    log(`enrolling ${s.name} (${s.firmware}), manage, provide (untimed)`);
    const uuid = await enroll(api, s);
    await provision(api, uuid, "manage", ["manageable"], 2 * MINUTES);
    await provision(api, uuid, "provide", ["available"], 20 * MINUTES);
    const drive = makeConfigDrive(s.name);
    const results: CaseResult[] = [];
    for (const c of all) {
      const r = await runCase(lab, s, uuid, c, drive.text, why.get(c.id) ?? null);
      lab = r.lab;
      results.push(r.result);
    }
    console.log(`\nserver ${s.name} (${s.firmware}), image ${IMAGE}, config drive ${drive.bytes / 2 ** 20} MiB, ${RUNS} runs per case\n`);
    console.log(formatSummary(results));
  } finally {
    await stop();
  }
}

if (!existsSync(ZST)) {
  console.error(`no OS image at ${ZST}: run make os-image`);
  process.exit(1);
}
await main();
