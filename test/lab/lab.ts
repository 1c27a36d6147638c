/**
 * @module test/lab/lab
 * The virtual rack: `startLab` makes a network namespace (`lab-...`) with a bridge, starts N
 * servers (QEMU guests behind ipmi_sim BMCs, see `servers.ts`) and the conductor with its
 * dnsmasq (`lab-conductor.ts`), and writes what it started to `<dir>/lab.json`; `stopLab`
 * reads that file and removes everything: processes by recorded pid (checked against their
 * command line, so a reused pid is left alone), then whatever still runs in the namespace
 * (`ip netns pids`), the namespace with its bridge and taps, and the directory. It works
 * after a crash and twice in a row. Used by `make lab-up`/`lab-down`, the demo and the tests.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startConductor, writeConductorConfig, type LabConductorPlan } from "./lab-conductor.ts";
import { createNetnsLab, destroyNamespace, labNamespaces } from "./netns.ts";
import { preflight } from "./preflight.ts";
import { planServer, startServer, type ServerState } from "./servers.ts";

export const REPO = resolve(import.meta.dir, "../..");

export interface LabOptions {
  /** Namespace name, also the lab directory's name (default `lab-rack`; must start with `lab-`). */
  name?: string;
  /** Parent of the lab directory (default `<repo>/build/lab`). */
  root?: string;
  servers?: number;
  /** Second octet of the lab's 10.x.0.0/24 (default 81). */
  subnet?: number;
  memoryMiB?: number;
  diskGiB?: number;
  nvmeGiB?: number;
  binary?: string;
  kernel?: string;
  initramfs?: string;
  /** `agent.fast_track` in the conductor's config (default off). */
  fastTrack?: boolean;
  /** Merged over the conductor's lab config (e.g. shorter timeouts in tests). */
  conductorConfig?: Record<string, unknown>;
}

export interface LabState {
  name: string;
  netns: string;
  bridge: string;
  dir: string;
  startedAt: string;
  binary: string;
  conductor: LabConductorPlan & { pid: number };
  servers: ServerState[];
}

const stateFile = (dir: string) => join(dir, "lab.json");

/** The lab's directory for a name (where `lab.json` is). */
export function labDir(name = "lab-rack", root = join(REPO, "build/lab")): string {
  return join(root, name);
}

export function readLabState(dir: string): LabState | null {
  try {
    return JSON.parse(readFileSync(stateFile(dir), "utf8")) as LabState;
  } catch {
    return null;
  }
}

/**
 * Brings the rack up; throws an Error with a one-line reason when the machine cannot run it.
 * @example
 * const lab = await startLab({ servers: 2 });
 * // lab.conductor.url === "http://10.81.0.1:6385", lab.servers[1].firmware === "uefi"
 * await stopLab(lab.dir);
 */
export async function startLab(o: LabOptions = {}): Promise<LabState> {
  const name = o.name ?? "lab-rack";
  if (!/^lab-[\w-]{1,11}$/.test(name)) throw new Error(`lab name must be lab-<up to 11 letters, digits, - or _>, got ${name}`);
  const dir = labDir(name, o.root);
  const subnet = o.subnet ?? 81;
  const count = o.servers ?? 2;
  const binary = o.binary ?? join(REPO, "dist/teeth");
  const kernel = o.kernel ?? join(REPO, "build/ramdisk/vmlinuz");
  const initramfs = o.initramfs ?? join(REPO, "build/ramdisk/initramfs.img");
  const plans = Array.from({ length: count }, (_, i) => planServer({ labDir: dir, subnet, index: i + 1, prefix: "lab-", memoryMiB: o.memoryMiB, diskGiB: o.diskGiB, nvmeGiB: o.nvmeGiB }));
  const problems = preflight({ labDir: o.root ?? join(REPO, "build"), needBytes: plans.reduce((n, p) => n + p.diskBytes + p.nvmeBytes, 0) + 2 ** 30, binary, kernel, initramfs });
  if (problems.length) throw new Error(`the lab cannot run here:\n  - ${problems.join("\n  - ")}`);

  // A lab of the same name left by a crash: remove it first.
  await stopLab(dir, name);
  mkdirSync(dir, { recursive: true });
  const net = createNetnsLab(`10.${subnet}.0.1/24`, { prefix: "lab-", name });
  const state: LabState = {
    name,
    netns: net.name,
    bridge: net.bridge,
    dir,
    startedAt: new Date().toISOString(),
    binary,
    conductor: { ...writeConductorConfig({ labDir: dir, subnet, bridge: net.bridge, kernel, initramfs, fastTrack: o.fastTrack, extra: o.conductorConfig }), pid: 0 },
    servers: [],
  };
  const save = () => writeFileSync(stateFile(dir), JSON.stringify(state, null, 2));
  save();
  try {
    for (const plan of plans) {
      net.addTap(plan.tap);
      net.addAddress(`${plan.bmc.address}/24`);
      state.servers.push(await startServer(plan, net.name));
      save();
    }
    state.conductor.pid = await startConductor(state.conductor, { netns: net.name, binary, cwd: dir });
    save();
  } catch (e) {
    await stopLab(dir, name);
    throw e;
  }
  return state;
}

/**
 * Restarts the lab's conductor with another configuration (`conductorConfig` merged over the
 * lab's, as in `startLab`), keeping its data: the same nodes, in the same states. Used by the
 * deploy benchmark to switch fast track on between cases. A new operator token is written:
 * make a new `labApi` after it.
 * @example
 * lab = await restartConductor(lab.dir, { agent: { fast_track: true } });
 */
export async function restartConductor(dir: string, conductorConfig: Record<string, unknown> = {}): Promise<LabState> {
  const state = readLabState(dir);
  if (!state) throw new Error(`no lab in ${dir}`);
  const old = JSON.parse(readFileSync(state.conductor.configFile, "utf8")) as { boot: { kernel: string; initramfs: string } };
  if (ours(state.conductor.pid, state.conductor.configFile)) await killAndWait(state.conductor.pid, 10_000);
  const subnet = Number(state.conductor.listen.split(".")[1]);
  state.conductor = { ...writeConductorConfig({ labDir: dir, subnet, bridge: state.bridge, kernel: old.boot.kernel, initramfs: old.boot.initramfs, extra: conductorConfig }), pid: 0 };
  writeFileSync(stateFile(dir), JSON.stringify(state, null, 2));
  state.conductor.pid = await startConductor(state.conductor, { netns: state.netns, binary: state.binary, cwd: dir });
  writeFileSync(stateFile(dir), JSON.stringify(state, null, 2));
  return state;
}

/** True when `pid` runs and its command line contains `needle` (a pid reused after a crash is not ours). */
function ours(pid: number, needle: string): boolean {
  try {
    return pid > 0 && readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").includes(needle);
  } catch {
    return false;
  }
}

async function killAndWait(pid: number, graceMs: number): Promise<void> {
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  const end = Date.now() + graceMs;
  while (Date.now() < end && existsSync(`/proc/${pid}`)) await Bun.sleep(100);
  try {
    process.kill(pid, "SIGKILL");
  } catch {}
}

/**
 * Removes a lab: its processes, namespace (bridge, taps) and directory. Never throws; a lab
 * that is not there is fine.
 * @example
 * await stopLab(labDir()); // make lab-down
 */
export async function stopLab(dir: string, name?: string): Promise<void> {
  const state = readLabState(dir);
  if (state) {
    // The conductor first, by TERM: it stops its dnsmasq on the way out.
    if (ours(state.conductor.pid, state.conductor.configFile)) await killAndWait(state.conductor.pid, 10_000);
    for (const s of state.servers) {
      const qemu = Number(readFileSyncSafe(s.qemuPidFile));
      if (ours(qemu, s.dir)) await killAndWait(qemu, 3_000);
      if (ours(s.bmcPid, s.dir)) await killAndWait(s.bmcPid, 3_000);
    }
  }
  const netns = state?.netns ?? name;
  if (netns && labNamespaces("lab-").includes(netns)) await destroyNamespace(netns);
  rmSync(dir, { recursive: true, force: true });
}

function readFileSyncSafe(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "";
  }
}
