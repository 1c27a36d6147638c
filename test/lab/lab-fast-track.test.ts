/**
 * @module test/lab/lab-fast-track.test
 * Fast track and pre-staged images in the virtual rack, with the real RAM disk: one QEMU server
 * (SeaBIOS) behind its ipmi_sim BMC, the compiled conductor with `agent.fast_track` on and
 * `deploy.prestage_image` naming the OS image, all in the namespace `lab-ft`.
 *
 * 1. After `provide` the server waits in `available` powered on, its agent heartbeating, and
 *    the conductor pre-stages the OS image on it (`standby.cache_image`).
 * 2. A fast-track deploy of another image (the OS as qcow2): the BMC's chassis log shows no
 *    power action and no PXE during the RAM disk part, only the final reboot into the OS
 *    (boot device disk, off, on); the OS marker reaches the serial console.
 * 3. Undeploy, cleaning, pre-staged again; a deploy of the pre-staged image writes only the
 *    config drive (the agent's own account in the node's history and on the serial console,
 *    with the bytes written), then the OS boots.
 * 4. For comparison, the classic flow: the server powered off through the API is no longer
 *    live, so the deploy boots the RAM disk through the BMC and PXE (the fallback).
 *
 * Times (deploy API call -> `active` -> OS marker) are printed for each, never asserted.
 * Skipped, saying why, when the machine cannot run the lab.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import zlib from "node:zlib";
import { buildOsImage, QCOW2, ZST } from "../os-image/ensure-os-image.ts";
import { buildRamdisk } from "../ramdisk/ensure-ramdisk.ts";
import { enroll, labApi, provision, waitFor, type Api } from "./lab-api.ts";
import { REPO, startLab, stopLab, type LabState } from "./lab.ts";
import { labNamespaces } from "./netns.ts";
import { OS_MARKER } from "./phase-times.ts";
import { preflight } from "./preflight.ts";

const MINUTES = 60_000;
const NAME = "lab-ft";

const isRoot = process.getuid?.() === 0;
const osImage = isRoot ? await buildOsImage() : ({ ok: false, reason: "not root" } as const);
const built = isRoot ? await buildRamdisk() : ({ ok: false, reason: "not root (network namespaces, taps)" } as const);
const problems = !built.ok
  ? [built.reason]
  : !osImage.ok
    ? [`no OS image: ${osImage.ok ? "" : osImage.reason}`]
    : preflight({ labDir: join(REPO, "build"), needBytes: 8 * 2 ** 30, binary: join(REPO, "dist/teeth"), kernel: join(REPO, "build/ramdisk/vmlinuz"), initramfs: join(REPO, "build/ramdisk/initramfs.img") });
const skip = problems.length ? problems.join("; ") : null;
if (skip) console.warn(`SKIPPED test/lab/lab-fast-track.test.ts: ${skip}`);

/** One line of the chassis hook's log: `<epoch> start|stop|reset|boot <dev>`. */
interface PowerLine {
  at: number;
  op: string;
}

function powerLines(lab: LabState, after: number): PowerLine[] {
  const log = lab.servers[0]!.powerLog;
  if (!existsSync(log)) return [];
  return readFileSync(log, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => ({ at: Number(l.slice(0, l.indexOf(" "))) * 1000, op: l.slice(l.indexOf(" ") + 1).trim() }))
    .filter((l) => l.at >= after);
}

/** The first conductor-logged transition of `uuid` into `to` at or after `after` (ms), or null. */
function transitionAt(lab: LabState, uuid: string, to: string, after: number): number | null {
  for (const line of readFileSync(lab.conductor.log, "utf8").split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const j = JSON.parse(line);
      const at = Date.parse(j.time);
      if (j.msg === "state transition" && j.node === uuid && j.to === to && at >= after) return at;
    } catch {}
  }
  return null;
}

/** The first serial console line matching `re` at or after `after` (ms): its time and text. */
function serialLine(lab: LabState, re: RegExp, after: number): { at: number; text: string } | null {
  const log = lab.servers[0]!.serialLog;
  if (!existsSync(log)) return null;
  for (const line of readFileSync(log, "utf8").split("\n")) {
    const at = Number(line.slice(0, line.indexOf(" "))) * 1000;
    if (at >= after && re.test(line)) return { at, text: line };
  }
  return null;
}

interface Figure {
  flow: string;
  toActive: number | null;
  toMarker: number | null;
  bytes: string;
}

describe.skipIf(skip !== null)("fast track and pre-staged images in the virtual rack", () => {
  let lab: LabState;
  let api: Api;
  let uuid = "";
  const figures: Figure[] = [];
  const history = async (): Promise<string[]> => (await api("GET", `/v1/nodes/${uuid}/history?detail=True`)).json.history.map((h: any) => h.event);
  const node = async () => (await api("GET", `/v1/nodes/${uuid}`)).json;

  /** Deploys `image` (with `body`), waits for the OS marker, returns the deploy's start time (ms). */
  async function deploy(flow: string, image: string, body: Record<string, unknown> = {}): Promise<number> {
    const format = image.endsWith(".qcow2") ? "qcow2" : "raw";
    const patch = [{ op: "add", path: "/instance_info/image_source", value: image }, { op: "add", path: "/instance_info/image_disk_format", value: format }];
    expect((await api("PATCH", `/v1/nodes/${uuid}`, patch)).status).toBe(200);
    const t0 = Date.now();
    await provision(api, uuid, "active", ["active"], 20 * MINUTES, body);
    const marker = await waitFor(`the OS marker after the ${flow} deploy`, async () => serialLine(lab, OS_MARKER, t0), 10 * MINUTES);
    const active = transitionAt(lab, uuid, "active", t0);
    const written = (await history()).filter((e) => e.startsWith("write_image: ")).at(-1) ?? "";
    figures.push({ flow, toActive: active && (active - t0) / 1000, toMarker: (marker.at - t0) / 1000, bytes: /\((\d+) bytes written\)/.exec(written)?.[1] ?? "?" });
    return t0;
  }

  /** The chassis log since `t0` up to the deploy's last step: nothing but boot disk, off, on. */
  function expectOnlyTheFinalReboot(t0: number) {
    const ops = powerLines(lab, t0).map((l) => l.op);
    const toDisk = ops.indexOf("boot default");
    expect({ "chassis actions before the boot device was set to disk": ops.slice(0, Math.max(toDisk, 0)) }).toEqual({ "chassis actions before the boot device was set to disk": [] });
    expect(toDisk).toBe(0);
    expect(ops.filter((o) => o === "start")).toEqual(["start"]);
    expect(ops.every((o) => o === "boot default" || o === "stop" || o === "start")).toBe(true);
  }

  beforeAll(async () => {
    lab = await startLab({
      name: NAME,
      subnet: 94,
      servers: 1,
      fastTrack: true,
      conductorConfig: {
        // Heartbeats every 18-36 s, so "heartbeating in available" is seen within a minute.
        agent: { heartbeat_timeout_s: 60, fast_track_timeout_s: 60 },
        deploy: { prestage_image: { image_source: "os-image.raw.zst" }, prestage_interval_s: 5 },
        timeouts: { deploy_callback_s: 900, clean_callback_s: 900, inspect_wait_s: 900, check_interval_s: 5 },
      },
    });
    api = labApi(lab);
    const images = join(lab.conductor.dataDir, "images");
    mkdirSync(images, { recursive: true });
    copyFileSync(ZST, join(images, "os-image.raw.zst"));
    copyFileSync(QCOW2, join(images, "os-image.qcow2"));
  }, 3 * MINUTES);

  afterAll(async () => {
    if (figures.length) {
      const fmt = (v: number | null) => (v === null ? "-" : `${v.toFixed(1)} s`);
      console.log(
        `[lab-ft] deploy times (TCG, one server, shared machine; measured, not asserted):\n` +
          figures.map((f) => `  ${f.flow.padEnd(34)} API call -> active ${fmt(f.toActive).padStart(8)}   -> OS marker ${fmt(f.toMarker).padStart(8)}   write_image bytes written ${f.bytes}`).join("\n"),
      );
    }
    if (process.env.TEETH_KEEP_LAB) console.log(`[lab] kept: ${lab?.dir} (remove with: bun test/lab/lab-cli.ts down --name ${NAME})`);
    else await stopLab(lab?.dir ?? join(REPO, "build/lab", NAME), NAME);
    if (!process.env.TEETH_KEEP_LAB) expect(labNamespaces("lab-")).not.toContain(NAME);
  }, 3 * MINUTES);

  test("after provide the server waits in available powered on, its agent heartbeating, and the OS image is pre-staged on it", async () => {
    uuid = await enroll(api, lab.servers[0]!);
    await provision(api, uuid, "manage", ["manageable"], 2 * MINUTES);
    await provision(api, uuid, "provide", ["available"], 20 * MINUTES);
    const n = await node();
    expect(n.power_state).toBe("power on");
    // The BMC agrees: QEMU still runs, nothing stopped it at the end of cleaning.
    expect(powerLines(lab, 0).map((l) => l.op).at(-1)).toBe("start");
    const first = Date.parse(n.driver_internal_info.agent_last_heartbeat);
    await waitFor("a heartbeat in available", async () => Date.parse((await node()).driver_internal_info.agent_last_heartbeat) > first, 2 * MINUTES);
    const staged = await waitFor("the pre-staged image", async () => (await node()).driver_internal_info.prestaged_image, 10 * MINUTES);
    expect(staged).toMatchObject({ source: "os-image.raw.zst", device: "/dev/vda" });
    expect(staged.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await node()).provision_state).toBe("available");
  }, 35 * MINUTES);

  test("a fast-track deploy (of another image) reaches active and the OS with no power cycle during the RAM disk part", async () => {
    const t0 = await deploy("fast track (qcow2, written)", "os-image.qcow2");
    expectOnlyTheFinalReboot(t0);
    const h = await history();
    expect(h.some((e) => e.startsWith("Fast track: deploy reuses the running agent"))).toBe(true);
    expect(h).toContain("Deploy of another image than the pre-staged os-image.raw.zst: the image is written as usual.");
  }, 35 * MINUTES);

  test("after undeploy and cleaning, a deploy of the pre-staged image writes only the config drive, then boots the OS", async () => {
    await provision(api, uuid, "deleted", ["available"], 20 * MINUTES);
    await waitFor("the image pre-staged again", async () => (await node()).driver_internal_info.prestaged_image, 10 * MINUTES);
    const iso = Buffer.alloc(64 * 1024);
    iso.write("CD001", 0x8001, "latin1");
    const t0 = await deploy("fast track + pre-staged", "os-image.raw.zst", { configdrive: zlib.gzipSync(iso).toString("base64") });
    expectOnlyTheFinalReboot(t0);
    const h = await history();
    expect(h.some((e) => e.startsWith("Deploy of the pre-staged image os-image.raw.zst (sha256:"))).toBe(true);
    const written = h.filter((e) => e.startsWith("write_image: ")).at(-1)!;
    expect(written).toContain("only the config drive written");
    expect(written).toContain(`(${iso.length} bytes written)`);
    // The agent's own log line, on the server's serial console.
    expect(serialLine(lab, /"event":"image_cached_reused"/, t0)?.text).toContain(`"bytes_written":${iso.length}`);
    expect((await node()).driver_internal_info.prestaged_image).toBeUndefined();
  }, 45 * MINUTES);

  test("for comparison, the classic flow: powered off through the API, the server is not live, and the deploy boots the RAM disk through the BMC", async () => {
    await provision(api, uuid, "deleted", ["available"], 20 * MINUTES);
    const reused = (await history()).filter((e) => e.startsWith("Fast track: deploy reuses")).length;
    expect((await api("PUT", `/v1/nodes/${uuid}/states/power`, { target: "power off" })).status).toBe(202);
    await waitFor("the server off", async () => (await node()).power_state === "power off", 2 * MINUTES);
    const t0 = await deploy("classic (power cycle, PXE, written)", "os-image.raw.zst");
    const ops = powerLines(lab, t0).map((l) => l.op);
    expect(ops.slice(0, 2)).toEqual(["boot pxe", "start"]);
    expect((await history()).filter((e) => e.startsWith("Fast track: deploy reuses")).length).toBe(reused);
  }, 45 * MINUTES);
});
