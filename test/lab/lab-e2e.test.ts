/**
 * @module test/lab/lab-e2e.test
 * The virtual rack end to end with the real RAM disk: two QEMU servers (SeaBIOS and OVMF)
 * behind ipmi_sim BMCs, the compiled conductor with the ipmi driver and its dnsmasq, all in
 * the namespace `lab-e2e`. Both servers at once: PXE boot, lookup, inspection (both disks and
 * the BMC's address read in-band), cleaning (a GPT on the virtio disk is gone: metadata erase;
 * a secret on the NVMe drive is gone: its format, the drive's secure erase), deploy of the
 * OS image, the server off its disk, undeploy back to `available`.
 *
 * Boot from disk: the OS image (`make os-image`, built here on demand) is deployed and its
 * `TEETH-OS-BOOTED ... boot=<bios|uefi>` marker must reach each server's serial console.
 * `TEETH_LAB_OS_IMAGE=none` deploys a GPT test image instead, whose bytes on the disk are
 * compared after power-off.
 *
 * Faults (`lab-faults.ts`, in a plain `make test`; `TEETH_LAB_FAULTS=0` skips them): the image
 * server stops mid-deploy, the BMC freezes mid-deploy, the conductor is SIGKILLed mid-deploy
 * and restarted, each ending in an asserted state. Phase times are printed, never asserted. Skipped, saying why, when the machine
 * cannot run the lab (not root, no /dev/net/tun, no RAM disk...).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildOsImage, ZST } from "../os-image/ensure-os-image.ts";
import { buildRamdisk } from "../ramdisk/ensure-ramdisk.ts";
import { enroll, labApi, provision, waitFor, type Api } from "./lab-api.ts";
import { REPO, startLab, stopLab, type LabState } from "./lab.ts";
import { labNamespaces } from "./netns.ts";
import { formatPhases, OS_MARKER, phaseTimes } from "./phase-times.ts";
import { preflight } from "./preflight.ts";
import { runFaults, sha256Prefix } from "./lab-faults.ts";

const MINUTES = 60_000;
// TEETH_LAB_E2E_NAME=lab-x: another namespace, beside a lab-e2e someone else runs on this machine.
const NAME = process.env.TEETH_LAB_E2E_NAME ?? "lab-e2e";
const FAULTS = process.env.TEETH_LAB_FAULTS !== "0";

const isRoot = process.getuid?.() === 0;
// The deployed OS by default (`make os-image`'s, built on demand and cached): its marker on the
// serial console proves the boot from disk. TEETH_LAB_OS_IMAGE=FILE deploys another image;
// `none` deploys a GPT test image, checked by its bytes after power-off instead.
const osImageEnv = process.env.TEETH_LAB_OS_IMAGE;
const OS_IMAGE = osImageEnv === "none" ? null : osImageEnv ? resolve(REPO, osImageEnv) : isRoot && (await buildOsImage()).ok ? ZST : null;
const built = isRoot ? await buildRamdisk() : ({ ok: false, reason: "not root (network namespaces, taps)" } as const);
const problems = built.ok
  ? preflight({ labDir: join(REPO, "build"), needBytes: 16 * 2 ** 30, binary: join(REPO, "dist/teeth"), kernel: join(REPO, "build/ramdisk/vmlinuz"), initramfs: join(REPO, "build/ramdisk/initramfs.img") })
  : [built.reason];
const skip = problems.length ? problems.join("; ") : null;
if (skip) console.warn(`SKIPPED test/lab/lab-e2e.test.ts: ${skip}`);

/** A GPT disk image (one partition, 200 MiB of random data, zeros after), zstd-compressed into the conductor's image dir. */
function makeTestImage(dir: string): { raw: string; name: string } {
  mkdirSync(dir, { recursive: true });
  const raw = join(dir, "..", "test-os.raw");
  const sh = (cmd: string) => {
    const r = Bun.spawnSync(["bash", "-c", cmd]);
    if (r.exitCode !== 0) throw new Error(`${cmd}: ${r.stderr.toString()}`);
  };
  sh(`truncate -s 768M ${raw} && sgdisk -n 1:2048:0 -t 1:8300 -c 1:teeth-e2e-root ${raw} >/dev/null && head -c 200M /dev/urandom | dd of=${raw} bs=1M seek=8 conv=notrunc status=none`);
  sh(`zstd -q -T0 -3 -f ${raw} -o ${join(dir, "test-os.raw.zst")}`);
  return { raw, name: "test-os.raw.zst" };
}

function readAt(path: string, offset: number, length: number): Buffer {
  const fd = openSync(path, "r");
  const buf = Buffer.alloc(length);
  readSync(fd, buf, 0, length, offset);
  closeSync(fd);
  return buf;
}

function writeAt(path: string, offset: number, data: Buffer): void {
  const fd = openSync(path, "r+");
  writeSync(fd, data, 0, data.length, offset);
  closeSync(fd);
}

const serialHas = (lab: LabState, i: number, re: RegExp) => {
  const text = existsSync(lab.servers[i]!.serialLog) ? readFileSync(lab.servers[i]!.serialLog, "utf8") : "";
  return { [`${lab.servers[i]!.name}'s serial console matches ${re}`]: re.test(text) };
};

describe.skipIf(skip !== null)("the virtual rack, end to end", () => {
  let lab: LabState;
  let api: Api;
  const uuids: string[] = [];
  let image: { raw: string | null; name: string };

  beforeAll(async () => {
    lab = await startLab({ name: NAME, subnet: 82, servers: 2, conductorConfig: { timeouts: { deploy_callback_s: 900, clean_callback_s: 900, inspect_wait_s: 900, check_interval_s: 5 } } });
    api = labApi(lab);
    const images = join(lab.conductor.dataDir, "images");
    if (OS_IMAGE) {
      mkdirSync(images, { recursive: true });
      copyFileSync(OS_IMAGE, join(images, "os-image.raw.zst"));
      image = { raw: null, name: "os-image.raw.zst" };
    } else image = makeTestImage(images);
  }, 3 * MINUTES);

  afterAll(async () => {
    if (lab && uuids.length) {
      console.log(`[lab] phase times (TCG, 2 servers in parallel):\n${formatPhases(phaseTimes(lab.conductor.log, lab.servers.map((s, i) => ({ name: s.name, uuid: uuids[i]!, powerLog: s.powerLog, serialLog: s.serialLog }))))}`);
    }
    if (process.env.TEETH_KEEP_LAB) console.log(`[lab] kept: ${lab?.dir} (remove with: bun test/lab/lab-cli.ts down --name ${NAME})`);
    else await stopLab(lab?.dir ?? join(REPO, "build/lab", NAME), NAME);
    if (!process.env.TEETH_KEEP_LAB) expect(labNamespaces("lab-")).not.toContain(NAME);
  }, 3 * MINUTES);

  test("both servers PXE-boot the RAM disk (SeaBIOS via the NIC's iPXE, OVMF via TFTP) and are inspected: both disks, the BMC's address read in-band", async () => {
    for (const s of lab.servers) uuids.push(await enroll(api, s));
    await Promise.all(uuids.map((u) => provision(api, u, "manage", ["manageable"], 2 * MINUTES)));
    await Promise.all(uuids.map((u) => provision(api, u, "inspect", ["manageable"], 15 * MINUTES)));
    for (const [i, s] of lab.servers.entries()) {
      const inv = (await api("GET", `/v1/nodes/${uuids[i]}/inventory`)).json.inventory;
      expect(inv.bmc_address).toBe(s.bmc.address);
      expect(inv.bmc_mac).toBe(s.bmc.mac);
      expect(inv.disks.find((d: any) => d.name === "/dev/vda")).toMatchObject({ size: s.diskBytes });
      expect(inv.disks.find((d: any) => d.name === "/dev/nvme0n1")).toMatchObject({ size: s.nvmeBytes, serial: s.nvmeSerial });
      expect(inv.interfaces.map((n: any) => n.mac_address)).toContain(s.mac);
      expect(inv.boot.current_boot_mode).toBe(s.firmware);
      expect(serialHas(lab, i, /starting teeth agent/)).toEqual({ [`${s.name}'s serial console matches /starting teeth agent/`]: true });
      if (s.firmware === "uefi") expect(serialHas(lab, i, /NBP file downloaded successfully/)).toEqual({ [`${s.name}'s serial console matches /NBP file downloaded successfully/`]: true });
      // The BMC did the powering: its chassis hooks started and stopped QEMU.
      expect(readFileSync(s.powerLog, "utf8")).toMatch(/boot pxe\n.* start \n[\s\S]* stop \n/);
    }
  }, 20 * MINUTES);

  test("cleaning erases the virtio disk's metadata and secure-erases the NVMe drive (its format)", async () => {
    const secret = Buffer.from("TEETH-TENANT-SECRET-".repeat(50));
    for (const s of lab.servers) {
      // The previous tenant's data: a partition table on the root disk, bytes deep in the NVMe drive.
      Bun.spawnSync(["sgdisk", "-n", "1:2048:+100M", "-t", "1:8300", s.disk]);
      writeAt(s.nvme, 300 << 20, secret);
      expect(Bun.spawnSync(["sgdisk", "-v", s.disk]).stdout.toString()).toContain("No problems found");
    }
    await Promise.all(uuids.map((u) => provision(api, u, "provide", ["available"], 15 * MINUTES)));
    for (const s of lab.servers) {
      expect(readAt(s.nvme, 300 << 20, secret.length).equals(Buffer.alloc(secret.length))).toBe(true);
      expect(readAt(s.disk, 512, 8).toString()).not.toBe("EFI PART");
      const log = readFileSync(s.serialLog, "utf8");
      expect(log).toMatch(/"device":"\/dev\/nvme0n1","outcome":"erased","method":"nvme_(user_data|crypto)_format"/);
      expect(log).toMatch(/"device":"\/dev\/vda","outcome":"erased","method":"metadata"/);
    }
  }, 20 * MINUTES);

  test("deploy writes the image to both servers, which then boot from their disk", async () => {
    for (const u of uuids) {
      const r = await api("PATCH", `/v1/nodes/${u}`, [{ op: "add", path: "/instance_info/image_source", value: image.name }]);
      expect(r.status).toBe(200);
    }
    await Promise.all(uuids.map((u) => provision(api, u, "active", ["active"], 20 * MINUTES)));
    for (const [i, s] of lab.servers.entries()) {
      expect(readFileSync(s.dir + "/bmc/chassis/boot", "utf8").trim()).toBe("default");
      if (image.raw === null) {
        const line = await waitFor(`${s.name}'s OS marker`, async () => readFileSync(s.serialLog, "utf8").split("\n").find((l) => OS_MARKER.test(l)), 10 * MINUTES);
        expect(OS_MARKER.exec(line)![1]).toBe(s.firmware);
      } else {
        // No OS in the test image: once off, the disk must hold exactly the image.
        expect((await api("PUT", `/v1/nodes/${uuids[i]}/states/power`, { target: "power off" })).status).toBe(202);
        await waitFor(`${s.name} off`, async () => (await api("GET", `/v1/nodes/${uuids[i]}`)).json.power_state === "power off", 2 * MINUTES);
        const size = Bun.file(image.raw).size;
        expect(sha256Prefix(s.disk, size)).toBe(sha256Prefix(image.raw, size));
      }
    }
  }, 30 * MINUTES);

  test("undeploy cleans the servers and brings them back to available", async () => {
    await Promise.all(uuids.map((u) => provision(api, u, "deleted", ["available"], 15 * MINUTES)));
    for (const s of lab.servers) expect(readAt(s.disk, 512, 8).toString()).not.toBe("EFI PART");
  }, 20 * MINUTES);

  test.skipIf(!FAULTS)("faults mid-deploy: image server gone, BMC frozen, conductor SIGKILLed: each ends cleanly", async () => {
    await runFaults({ lab, api, uuids, image: join(lab.conductor.dataDir, "images", image.name), imageName: image.name, raw: image.raw });
  }, 45 * MINUTES);
});
