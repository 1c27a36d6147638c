/**
 * @module test/lab/lab-faults
 * Faults in the middle of a deploy, on the lab's servers (run by lab-e2e.test.ts with
 * `TEETH_LAB_FAULTS=1`): the image server (nginx in the namespace, rate-limited so the
 * download lasts) stops and comes back; the BMC freezes (SIGSTOP); the conductor is killed
 * with SIGKILL and restarted. Each must end cleanly: `active` with the image on disk, or
 * `deploy failed` with a reason, never a node stuck in a transient state; a failed node is
 * then undeployed (cleaned) back to `available`.
 */
import { expect } from "bun:test";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { provision, waitFor, type Api } from "./lab-api.ts";
import { startConductor } from "./lab-conductor.ts";
import type { LabState } from "./lab.ts";

const MINUTES = 60_000;

interface FaultInput {
  lab: LabState;
  api: Api;
  uuids: string[];
  /** The image file the conductor serves as `imageName` (compressed or not). */
  image: string;
  imageName: string;
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

function nginx(lab: LabState, image: string): { start(): void; stop(): void } {
  const dir = join(lab.dir, "nginx");
  mkdirSync(join(dir, "root"), { recursive: true });
  try {
    symlinkSync(image, join(dir, "root", basename(image)));
  } catch {}
  const address = lab.conductor.listen.split(":")[0]!;
  writeFileSync(
    join(dir, "nginx.conf"),
    `daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log; events {} http { access_log ${dir}/access.log; server { listen ${address}:8081; root ${dir}/root; limit_rate 4m; } }\n`,
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
  };
}

/**
 * @example
 * await runFaults({ lab, api, uuids, image, imageName });
 */
export async function runFaults(o: FaultInput): Promise<void> {
  const { lab, api, uuids } = o;
  const [first, second] = uuids as [string, string];

  // 1. The image server stops 10 s into the download and is back 20 s later.
  {
    const server = nginx(lab, o.image);
    server.start();
    await Bun.sleep(1000);
    const hash = createHash("sha256").update(readFileSync(o.image)).digest("hex");
    const since = Date.now();
    await deployTo(api, first, { image_source: `http://${lab.conductor.listen.split(":")[0]}:8081/${basename(o.image)}`, image_os_hash_algo: "sha256", image_os_hash_value: hash });
    await writeImageStarted(lab, first, since);
    await Bun.sleep(10_000);
    server.stop();
    await Bun.sleep(20_000);
    server.start();
    const n = await settled(api, first);
    console.log(`[lab faults] image server gone mid-deploy: ${n.provision_state}${n.last_error ? ` (${n.last_error})` : ""}`);
    if (n.provision_state === "deploy failed") expect(n.last_error).toBeTruthy();
    server.stop();
    await reset(api, first);
  }

  // 2. The BMC freezes while the image is written: the conductor cannot switch to disk boot.
  {
    const bmc = lab.servers[1]!;
    const since = Date.now();
    await deployTo(api, second, { image_source: o.imageName });
    await writeImageStarted(lab, second, since);
    process.kill(bmc.bmcPid, "SIGSTOP");
    let n: any;
    try {
      n = await settled(api, second);
    } finally {
      process.kill(bmc.bmcPid, "SIGCONT");
    }
    console.log(`[lab faults] BMC frozen mid-deploy: ${n.provision_state}${n.last_error ? ` (${n.last_error})` : ""}`);
    expect(n.provision_state).toBe("deploy failed");
    expect(n.last_error).toMatch(/BMC|IPMI|ipmi/);
    // Not left to boot a half-provisioned disk: the boot device was never switched to disk.
    expect(readFileSync(join(bmc.dir, "bmc/chassis/boot"), "utf8").trim()).toBe("pxe");
    await reset(api, second);
  }

  // 3. The conductor is SIGKILLed while the image is written, and started again.
  {
    const since = Date.now();
    await deployTo(api, first, { image_source: o.imageName });
    await writeImageStarted(lab, first, since);
    process.kill(lab.conductor.pid, "SIGKILL");
    await Bun.sleep(3000);
    lab.conductor.pid = await startConductor(lab.conductor, { netns: lab.netns, binary: lab.binary, cwd: lab.dir });
    writeFileSync(join(lab.dir, "lab.json"), JSON.stringify(lab, null, 2));
    const n = await settled(api, first);
    console.log(`[lab faults] conductor SIGKILLed mid-deploy: ${n.provision_state}${n.last_error ? ` (${n.last_error})` : ""}`);
    if (n.provision_state === "deploy failed") expect(n.last_error).toBeTruthy();
    await reset(api, first);
  }
}
