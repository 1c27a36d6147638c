/**
 * @module test/lab/lab-faults
 * Faults in the middle of a deploy, on the lab's servers (run by lab-e2e.test.ts unless
 * `TEETH_LAB_FAULTS=0`). Each ends in one state, asserted, and the node is then undeployed
 * (cleaned) back to `available`:
 * - the image server (nginx in the namespace, rate-limited so the download lasts ~40 s) stops
 *   10 s into the download and is back 20 s later, inside the agent's retry window (IPA's 9
 *   retries 10 s apart): `active`, the download resumed with Range (a 206 in nginx's log),
 *   the OS booted from the disk (its marker, or the disk's bytes for an OS-less test image);
 * - the BMC freezes (SIGSTOP) while the image is written: `deploy failed` naming the BMC,
 *   the boot device still pxe (nothing half-written is booted);
 * - the conductor is killed with SIGKILL while the agent writes the image (node in
 *   `wait call-back`) and started again: the node keeps waiting, the agent's heartbeat
 *   resumes the deploy: `active`, booted from the disk.
 * The first two run at once, one per server (a different BMC, a different image source);
 * the third kills the conductor every node shares, so it runs alone.
 */
import { expect } from "bun:test";
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, readSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { provision, waitFor, type Api } from "./lab-api.ts";
import { startConductor } from "./lab-conductor.ts";
import type { LabState } from "./lab.ts";
import { OS_MARKER } from "./phase-times.ts";
import type { ServerState } from "./servers.ts";

const MINUTES = 60_000;

interface FaultInput {
  lab: LabState;
  api: Api;
  uuids: string[];
  /** The image file the conductor serves as `imageName` (compressed or not). */
  image: string;
  imageName: string;
  /**
   * The uncompressed image when it holds no OS (its bytes are compared with the disk's after
   * power-off); null for the OS image, whose boot marker must reach the serial console.
   */
  raw: string | null;
}

/** Resolves once the conductor has started `write_image` on the node (read from its log). */
async function writeImageStarted(lab: LabState, uuid: string, since: number): Promise<void> {
  await waitFor(
    "write_image to start",
    async () =>
      readFileSync(lab.conductor.log, "utf8")
        .split("\n")
        .some((l) => l.includes(uuid) && l.includes('"step":"write_image"') && l.includes('"msg":"starting step"') && Date.parse(JSON.parse(l).time) >= since),
    15 * MINUTES,
  );
}

/** Deploys and waits for a final state; returns the node. */
async function deployTo(api: Api, uuid: string, instanceInfo: Record<string, unknown>): Promise<void> {
  const ops = Object.entries(instanceInfo).map(([k, v]) => ({ op: "add", path: `/instance_info/${k}`, value: v }));
  expect((await api("PATCH", `/v1/nodes/${uuid}`, ops)).status).toBe(200);
  expect((await api("PUT", `/v1/nodes/${uuid}/states/provision`, { target: "active" })).status).toBe(202);
}

async function settled(api: Api, uuid: string): Promise<any> {
  return waitFor(
    "the node to settle in active or deploy failed",
    async () => {
      const n = (await api("GET", `/v1/nodes/${uuid}`)).json;
      return n && ["active", "deploy failed"].includes(n.provision_state) && !n.target_provision_state ? n : null;
    },
    20 * MINUTES,
  );
}

/** Back to available whatever the outcome (undeploy cleans). */
async function reset(api: Api, uuid: string): Promise<void> {
  await provision(api, uuid, "deleted", ["available"], 15 * MINUTES);
}

function nginx(lab: LabState, image: string, rate: number): { start(): void; stop(): void; log(): string } {
  const dir = join(lab.dir, "nginx");
  mkdirSync(join(dir, "root"), { recursive: true });
  try {
    symlinkSync(image, join(dir, "root", basename(image)));
  } catch {}
  const address = lab.conductor.listen.split(":")[0]!;
  writeFileSync(
    join(dir, "nginx.conf"),
    `daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log; events {} http { access_log ${dir}/access.log; server { listen ${address}:8081; root ${dir}/root; limit_rate ${rate}; } }\n`,
  );
  let proc: ReturnType<typeof Bun.spawn> | null = null;
  return {
    start() {
      proc = Bun.spawn(["ip", "netns", "exec", lab.netns, "nginx", "-c", join(dir, "nginx.conf"), "-p", dir], { stdout: "ignore", stderr: "ignore" });
    },
    stop() {
      // nginx's workers are its children: TERM to the master stops them all.
      const pid = Number(readFileSync(join(dir, "nginx.pid"), "utf8"));
      process.kill(pid, "SIGTERM");
      proc = null;
    },
    log: () => readFileSync(join(dir, "access.log"), "utf8"),
  };
}

/** The OS booted from the disk since `since` (ms): its marker on the serial console, or, for an OS-less image, the disk's bytes after power-off. */
async function bootedFromDisk(o: FaultInput, uuid: string, s: ServerState, since: number): Promise<void> {
  if (o.raw === null) {
    const line = await waitFor(
      `${s.name}'s OS marker`,
      async () => readFileSync(s.serialLog, "utf8").split("\n").find((l) => Number(l.slice(0, l.indexOf(" "))) * 1000 >= since && OS_MARKER.test(l)),
      10 * MINUTES,
    );
    expect(OS_MARKER.exec(line)![1]).toBe(s.firmware);
    return;
  }
  expect((await o.api("PUT", `/v1/nodes/${uuid}/states/power`, { target: "power off" })).status).toBe(202);
  await waitFor(`${s.name} off`, async () => (await o.api("GET", `/v1/nodes/${uuid}`)).json.power_state === "power off", 2 * MINUTES);
  const size = statSync(o.raw).size;
  expect(sha256Prefix(s.disk, size)).toBe(sha256Prefix(o.raw, size));
}

/** sha256 of a file's first `bytes` bytes (a disk holding an image, the image itself). */
export function sha256Prefix(path: string, bytes: number): string {
  const h = createHash("sha256");
  const fd = openSync(path, "r");
  const buf = Buffer.alloc(4 << 20);
  for (let off = 0; off < bytes; ) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, bytes - off), off);
    if (n <= 0) break;
    h.update(buf.subarray(0, n));
    off += n;
  }
  closeSync(fd);
  return h.digest("hex");
}

/** 1. The image server stops 10 s into the download and is back 20 s later: the agent resumes with Range. */
async function imageServerGone(o: FaultInput, uuid: string, s: ServerState): Promise<void> {
  const { lab, api } = o;
  // ~40 s for the whole file, so the outage falls in the middle of the download.
  const rate = Math.max(64 * 1024, Math.floor(statSync(o.image).size / 40));
  const server = nginx(lab, o.image, rate);
  server.start();
  try {
    await Bun.sleep(1000);
    const hash = createHash("sha256").update(readFileSync(o.image)).digest("hex");
    const since = Date.now();
    await deployTo(api, uuid, { image_source: `http://${lab.conductor.listen.split(":")[0]}:8081/${basename(o.image)}`, image_os_hash_algo: "sha256", image_os_hash_value: hash });
    await writeImageStarted(lab, uuid, since);
    await Bun.sleep(10_000);
    server.stop();
    await Bun.sleep(20_000);
    server.start();
    const n = await settled(api, uuid);
    console.log(`[lab faults] image server gone mid-deploy: ${n.provision_state}${n.last_error ? ` (${n.last_error})` : ""}`);
    expect({ state: n.provision_state, last_error: n.last_error }).toEqual({ state: "active", last_error: null });
    // The agent resumed where it was cut: a ranged request answered 206 after the outage.
    expect(server.log()).toMatch(new RegExp(`"GET /${basename(o.image).replaceAll(".", "\\.")} HTTP/1\\.1" 206 `));
    await bootedFromDisk(o, uuid, s, since);
  } finally {
    try {
      server.stop();
    } catch {}
  }
  await reset(api, uuid);
}

/** 2. The BMC freezes while the image is written: the conductor cannot switch to disk boot. */
async function bmcFrozen(o: FaultInput, uuid: string, s: ServerState): Promise<void> {
  const { lab, api } = o;
  const since = Date.now();
  await deployTo(api, uuid, { image_source: o.imageName });
  await writeImageStarted(lab, uuid, since);
  process.kill(s.bmcPid, "SIGSTOP");
  let n: any;
  try {
    n = await settled(api, uuid);
  } finally {
    process.kill(s.bmcPid, "SIGCONT");
  }
  console.log(`[lab faults] BMC frozen mid-deploy: ${n.provision_state}${n.last_error ? ` (${n.last_error})` : ""}`);
  expect(n.provision_state).toBe("deploy failed");
  expect(n.last_error).toMatch(/BMC|IPMI|ipmi/);
  // Not left to boot a half-provisioned disk: the boot device was never switched to disk.
  expect(readFileSync(join(s.dir, "bmc/chassis/boot"), "utf8").trim()).toBe("pxe");
  await reset(api, uuid);
}

/** 3. The conductor is SIGKILLed while the agent writes the image, and started again: the deploy resumes. */
async function conductorKilled(o: FaultInput, uuid: string, s: ServerState): Promise<void> {
  const { lab, api } = o;
  const since = Date.now();
  await deployTo(api, uuid, { image_source: o.imageName });
  await writeImageStarted(lab, uuid, since);
  // Killed while the node waits for its agent (not while a conductor task holds it in
  // `deploying`, which a restart fails by design): so the outcome is one state, active.
  await waitFor("the node to wait for its agent's write_image", async () => (await api("GET", `/v1/nodes/${uuid}`)).json?.provision_state === "wait call-back", 5 * MINUTES);
  process.kill(lab.conductor.pid, "SIGKILL");
  await Bun.sleep(3000);
  lab.conductor.pid = await startConductor(lab.conductor, { netns: lab.netns, binary: lab.binary, cwd: lab.dir });
  writeFileSync(join(lab.dir, "lab.json"), JSON.stringify(lab, null, 2));
  const n = await settled(api, uuid);
  console.log(`[lab faults] conductor SIGKILLed mid-deploy: ${n.provision_state}${n.last_error ? ` (${n.last_error})` : ""}`);
  expect({ state: n.provision_state, last_error: n.last_error }).toEqual({ state: "active", last_error: null });
  await bootedFromDisk(o, uuid, s, since);
  await reset(api, uuid);
}

/**
 * @example
 * await runFaults({ lab, api, uuids, image, imageName, raw: null });
 */
export async function runFaults(o: FaultInput): Promise<void> {
  const [first, second] = o.uuids as [string, string];
  const [s1, s2] = o.lab.servers as [ServerState, ServerState];
  const t0 = Date.now();
  await Promise.all([imageServerGone(o, first, s1), bmcFrozen(o, second, s2)]);
  const t1 = Date.now();
  await conductorKilled(o, first, s1);
  // Nothing stuck: every node back in available, no operation pending, maintenance off.
  for (const uuid of o.uuids) {
    const n = (await o.api("GET", `/v1/nodes/${uuid}`)).json;
    expect({ state: n.provision_state, target: n.target_provision_state, power_target: n.target_power_state, maintenance: n.maintenance }).toEqual({ state: "available", target: null, power_target: null, maintenance: false });
  }
  console.log(`[lab faults] image server + BMC (at once): ${((t1 - t0) / 60_000).toFixed(1)} min; conductor killed: ${((Date.now() - t1) / 60_000).toFixed(1)} min`);
}
