/**
 * @module test/lab/lab-kexec.test
 * kexec into the deployed OS in the virtual rack: one SeaBIOS server behind its ipmi_sim BMC,
 * the real RAM disk (with kexec-tools) and the OS image (`make os-image`). A deploy with
 * `deploy_reboot_method: kexec` must reach the OS's `TEETH-OS-BOOTED` marker with no firmware
 * POST after the RAM disk's: exactly one `SeaBIOS (version` banner on the serial console for
 * the whole deploy (the PXE boot into the RAM disk), the marker after it, no power action by
 * the BMC after the write, and the boot device left on the disk. Then, for contrast, the same
 * deploy with `power`: two banners. Then a kexec that fails: an image whose default GRUB
 * entry and BLS entry name a kernel that is not there (GRUB's `fallback` entry boots the real
 * one), so the agent refuses, the conductor reboots through the BMC, writes why into the
 * node's history, and the deploy still ends `active` with the OS booted. Times from the deploy
 * call to the marker are printed, never asserted. Lab `lab-kx`, subnet 10.87.0.0/24. Skipped, saying why, where the lab cannot run.
 * `TEETH_LAB_KEXEC_FIRMWARE=uefi` runs the same on an OVMF server (banner: `BdsDxe: starting Boot`).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildOsImage, RAW, ZST } from "../os-image/ensure-os-image.ts";
import { createLoopDevice, sh } from "../support/loop-device.ts";
import { buildRamdisk } from "../ramdisk/ensure-ramdisk.ts";
import { enroll, labApi, provision, waitFor, type Api } from "./lab-api.ts";
import { REPO, startLab, stopLab, type LabState } from "./lab.ts";
import { labNamespaces } from "./netns.ts";
import { OS_MARKER } from "./phase-times.ts";
import { preflight } from "./preflight.ts";

const MINUTES = 60_000;
const NAME = "lab-kx";
// TEETH_LAB_KEXEC_FIRMWARE=uefi runs the same on an OVMF server (server-2 of a two-server lab;
// server-1 stays off). OVMF prints one "BdsDxe: starting Boot####" per POST, for the entry it boots.
const FIRMWARE = process.env.TEETH_LAB_KEXEC_FIRMWARE === "uefi" ? "uefi" : "bios";
const BANNER = FIRMWARE === "uefi" ? /BdsDxe: starting Boot/ : /SeaBIOS \(version/;
const SERVER = FIRMWARE === "uefi" ? 1 : 0;

const isRoot = process.getuid?.() === 0;
const osImage = isRoot ? await buildOsImage() : null;
const built = isRoot ? await buildRamdisk() : ({ ok: false, reason: "not root (network namespaces, taps)" } as const);
const problems = !built.ok
  ? [built.reason]
  : !osImage?.ok
    ? ["the OS image could not be built (make os-image)"]
    : preflight({ labDir: join(REPO, "build"), needBytes: 8 * 2 ** 30, binary: join(REPO, "dist/teeth"), kernel: join(REPO, "build/ramdisk/vmlinuz"), initramfs: join(REPO, "build/ramdisk/initramfs.img") });
const skip = problems.length ? problems.join("; ") : null;
if (skip) console.warn(`SKIPPED test/lab/lab-kexec.test.ts: ${skip}`);

/**
 * The OS image with a stale boot configuration: the BLS entry gone and grub.cfg's default
 * entry naming a kernel that is not on the disk, with `set fallback=1` to the real entry, as
 * after a kernel removed without regenerating the config. Written zstd-compressed to `out`.
 */
function makeStaleBootImage(out: string): void {
  const m = osImage!.ok ? osImage!.manifest : null;
  const loop = createLoopDevice(Bun.file(RAW).size, { partscan: true });
  const cfg = `${out}.grub.cfg`;
  try {
    sh(["dd", `if=${RAW}`, `of=${loop.path}`, "bs=4M", "conv=fsync", "status=none"]);
    sh(["partprobe", loop.path]);
    const root = `${loop.path}p3`;
    const good = Bun.spawnSync(["debugfs", "-R", "cat /boot/grub/grub.cfg", root], { stdout: "pipe", stderr: "ignore" }).stdout.toString();
    const entry = good.slice(good.indexOf("menuentry"));
    const stale = entry.replace(/^menuentry '([^']*)' --id \S+/, "menuentry '$1 (removed kernel)' --id stale").replaceAll(m!.kernel, `${m!.kernel}-removed`).replaceAll(m!.initrd, `${m!.initrd}-removed`);
    writeFileSync(cfg, good.slice(0, good.indexOf("menuentry")).replace("set default=0", "set default=0\nset fallback=1") + stale + entry);
    for (const cmd of ["rm /boot/grub/grub.cfg", `write ${cfg} /boot/grub/grub.cfg`, "rm /boot/loader/entries/teeth-os.conf"]) sh(["debugfs", "-w", "-R", cmd, root]);
    sh(["bash", "-c", `zstd -q -T0 -3 -f <${loop.path} -o ${out}`]);
  } finally {
    loop.detach();
    rmSync(cfg, { force: true });
  }
}

/** The serial console's lines from byte `from` on, each "<epoch seconds> <text>". */
function serialSince(lab: LabState, from: number): Array<{ t: number; text: string }> {
  const log = lab.servers[SERVER]!.serialLog;
  const text = existsSync(log) ? readFileSync(log).subarray(from).toString("utf8") : "";
  return text.split("\n").filter(Boolean).map((l) => ({ t: Number(l.slice(0, l.indexOf(" "))), text: l.slice(l.indexOf(" ") + 1) }));
}
const readSafe = (path: string) => (existsSync(path) ? readFileSync(path, "utf8") : "");
const serialSize = (lab: LabState) => (existsSync(lab.servers[SERVER]!.serialLog) ? readFileSync(lab.servers[SERVER]!.serialLog).length : 0);

describe.skipIf(skip !== null)("kexec into the deployed OS, in the lab", () => {
  let lab: LabState;
  let api: Api;
  let uuid: string;
  const times: Record<string, { total: number; afterWrite: number | null }> = {};

  /** When the conductor started the first finishing step (write_image done) after `since`, from its log. */
  const writeDoneAt = (since: number): number | null => {
    for (const line of readSafe(lab.conductor.log).split("\n")) {
      if (!line.includes('"prepare_instance_boot"')) continue;
      try {
        const j = JSON.parse(line);
        const t = Date.parse(j.time) / 1000;
        if (j.msg === "starting step" && t >= since) return t;
      } catch {}
    }
    return null;
  };

  beforeAll(async () => {
    lab = await startLab({
      name: NAME,
      subnet: 87,
      servers: SERVER + 1,
      conductorConfig: { cleaning: { automated_clean: false }, timeouts: { deploy_callback_s: 900, check_interval_s: 5 } },
    });
    api = labApi(lab);
    const images = join(lab.conductor.dataDir, "images");
    mkdirSync(images, { recursive: true });
    copyFileSync(ZST, join(images, "os-image.raw.zst"));
    uuid = await enroll(api, lab.servers[SERVER]!);
    await provision(api, uuid, "manage", ["manageable"], 2 * MINUTES);
    await provision(api, uuid, "provide", ["available"], 5 * MINUTES);
  }, 10 * MINUTES);

  afterAll(async () => {
    for (const [method, s] of Object.entries(times)) {
      console.log(`[lab-kx] ${method}: deploy API call to TEETH-OS-BOOTED ${s.total.toFixed(1)} s, write_image done to TEETH-OS-BOOTED ${s.afterWrite?.toFixed(1) ?? "-"} s (TCG, shared machine)`);
    }
    if (process.env.TEETH_KEEP_LAB) console.log(`[lab-kx] kept: ${lab?.dir}`);
    else await stopLab(lab?.dir ?? join(REPO, "build/lab", NAME), NAME);
    if (!process.env.TEETH_KEEP_LAB) expect(labNamespaces("lab-")).not.toContain(NAME);
  }, 3 * MINUTES);

  /** Deploys with `method`; returns the serial lines of this deploy, the marker line and the node. */
  async function deploy(method: "kexec" | "power", image = "os-image.raw.zst") {
    const patch = [
      { op: "add", path: "/instance_info/image_source", value: image },
      { op: "add", path: "/instance_info/deploy_reboot_method", value: method },
    ];
    expect((await api("PATCH", `/v1/nodes/${uuid}`, patch)).status).toBe(200);
    const from = serialSize(lab);
    const powerFrom = readSafe(lab.servers[SERVER]!.powerLog).length;
    const started = Date.now() / 1000;
    const node = await provision(api, uuid, "active", ["active"], 25 * MINUTES);
    const marker = await waitFor("the OS marker", async () => serialSince(lab, from).find((l) => OS_MARKER.test(l.text)), 10 * MINUTES);
    const done = writeDoneAt(started);
    times[image === "os-image.raw.zst" ? method : `${method} (refused: ${image})`] = { total: marker.t - started, afterWrite: done === null ? null : marker.t - done };
    const lines = serialSince(lab, from);
    const power = readSafe(lab.servers[SERVER]!.powerLog).slice(powerFrom);
    const history = (await api("GET", `/v1/nodes/${uuid}/history?detail=true`)).json.history as Array<{ event: string }>;
    return { lines, marker, node, power, history };
  }

  test("kexec: the OS marker arrives with no second firmware banner, no BMC power action after the write", async () => {
    const r = await deploy("kexec");
    const banners = r.lines.filter((l) => BANNER.test(l.text));
    // One POST: the PXE boot into the RAM disk. None between the RAM disk and the OS.
    expect(banners).toHaveLength(1);
    expect(banners[0]!.t).toBeLessThan(r.marker.t);
    expect(OS_MARKER.exec(r.marker.text)![1]).toBe(FIRMWARE);
    expect(r.lines.some((l) => l.text.includes("kexec -e now"))).toBe(true);
    expect(r.node.power_state).toBe("power on");
    // The BMC started QEMU once (the deploy's boot into the RAM disk) and never stopped it.
    expect(r.power.match(/ start/g)?.length).toBe(1);
    expect(r.power).not.toMatch(/ stop/);
    expect(readFileSync(lab.servers[SERVER]!.dir + "/bmc/chassis/boot", "utf8").trim()).toBe("default");
    expect(r.history.some((h) => h.event.startsWith("booted the deployed OS with kexec"))).toBe(true);
  }, 40 * MINUTES);

  test("power, for contrast: the firmware POSTs twice (into the RAM disk, then into the OS)", async () => {
    if ((await api("GET", `/v1/nodes/${uuid}`)).json.provision_state === "active") await provision(api, uuid, "deleted", ["available"], 10 * MINUTES);
    const r = await deploy("power");
    expect(r.lines.filter((l) => BANNER.test(l.text))).toHaveLength(2);
    expect(r.lines.some((l) => l.text.includes("kexec -e now"))).toBe(false);
  }, 40 * MINUTES);

  test("kexec refused (the default entry's kernel is gone): rebooted through the BMC, recorded in the history, still active", async () => {
    if ((await api("GET", `/v1/nodes/${uuid}`)).json.provision_state === "active") await provision(api, uuid, "deleted", ["available"], 10 * MINUTES);
    makeStaleBootImage(join(lab.conductor.dataDir, "images", "stale-boot.raw.zst"));
    const r = await deploy("kexec", "stale-boot.raw.zst");
    expect(r.node.power_state).toBe("power on");
    const refusal = r.history.find((h) => h.event.startsWith("kexec into the deployed OS not used"));
    expect(refusal?.event).toContain("KexecNoKernel");
    expect(refusal?.event).toContain("-removed not found");
    // The firmware reboot: the BMC stopped and started QEMU after the write, a second POST.
    expect(r.power).toMatch(/ stop[\s\S]* start/);
    expect(r.lines.filter((l) => BANNER.test(l.text))).toHaveLength(2);
    expect(r.lines.some((l) => l.text.includes("kexec -e now"))).toBe(false);
  }, 40 * MINUTES);
});
