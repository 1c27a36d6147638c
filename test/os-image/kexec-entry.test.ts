/**
 * The kexec loader on the real OS image (`make os-image`) written to a real loop device: its
 * partitions are found with lsblk, mounted read-only, the BLS entry read (then, with the BLS
 * entry removed by debugfs, grub.cfg's default entry), and the kernel and initramfs handed to
 * the loader are the image's own files, with root=UUID= of its root file system. A kernel
 * removed from the disk is a refusal with the reason. `kexec -l` itself is not run here (it
 * would load a kernel into the host's); the lab test runs it in QEMU. Needs root.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createExec } from "../../common/exec.ts";
import { createSilentLogger } from "../../common/logger.ts";
import { realHostFs } from "../../machine/host-fs.ts";
import { KexecErrors, loadDeployedOs, type KernelToLoad } from "../../machine/kexec/index.ts";
import { createLoopDevice, sh, type LoopDevice } from "../support/loop-device.ts";
import { buildOsImage, RAW } from "./ensure-os-image.ts";

const isRoot = process.getuid?.() === 0;
const built = isRoot ? await buildOsImage() : null;
const skip = !isRoot ? "not root (loop devices, mount)" : !built?.ok ? `no OS image: ${built && !built.ok ? built.reason : ""}` : null;
if (skip) console.warn(`SKIPPED test/os-image/kexec-entry.test.ts: ${skip}`);
const manifest = built?.ok ? built.manifest : null;

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
/** sha256 of a file inside the image's root ext4, read with debugfs (no mount). */
const imageFileSha = (dev: string, path: string) => sha(Bun.spawnSync(["debugfs", "-R", `cat ${path}`, dev], { stdout: "pipe", stderr: "ignore" }).stdout);
const mounts = () => readFileSync("/proc/mounts", "utf8").split("\n").filter((l) => l.includes("teeth-kexec-"));

describe.skipIf(skip !== null)("the kexec loader on the OS image on a loop device", () => {
  let loop: LoopDevice;
  const rootPart = () => `${loop.path}p3`;

  beforeAll(() => {
    loop = createLoopDevice(Bun.file(RAW).size, { partscan: true });
    sh(["dd", `if=${RAW}`, `of=${loop.path}`, "bs=4M", "conv=fsync", "status=none"]);
    sh(["partprobe", loop.path]);
  });
  afterAll(() => loop?.detach());

  async function load() {
    const loaded: Array<KernelToLoad & { kernelSha: string; initrdSha: string | null }> = [];
    const os = await loadDeployedOs({
      disk: loop.path,
      exec: createExec(),
      fs: realHostFs,
      logger: createSilentLogger(),
      load: async (k) => void loaded.push({ ...k, kernelSha: sha(readFileSync(k.kernel)), initrdSha: k.initrd ? sha(readFileSync(k.initrd)) : null }),
    }).then((os) => ({ os, error: null }), (error: unknown) => ({ os: null, error }));
    return { ...os, loaded };
  }

  test("the BLS entry: the image's kernel and initramfs, its command line with root=UUID= of the root file system; nothing left mounted", async () => {
    const r = await load();
    expect(r.error).toBeNull();
    expect(r.os).toMatchObject({ source: `bls /boot/loader/entries on ${rootPart()}`, kernel: `${manifest!.kernel} on ${rootPart()}`, cmdline: manifest!.cmdline, root: `UUID=${manifest!.root_fs_uuid}` });
    expect(r.loaded).toHaveLength(1);
    expect(r.loaded[0]!.kernelSha).toBe(imageFileSha(rootPart(), manifest!.kernel));
    expect(r.loaded[0]!.initrdSha).toBe(imageFileSha(rootPart(), manifest!.initrd));
    expect(mounts()).toEqual([]);
  });

  test("without the BLS entry, grub.cfg's default entry (its search --fs-uuid, its linux and initrd lines)", async () => {
    sh(["debugfs", "-w", "-R", "rm /boot/loader/entries/teeth-os.conf", rootPart()]);
    const r = await load();
    expect(r.error).toBeNull();
    expect(r.os).toMatchObject({ source: `grub /boot/grub/grub.cfg on ${rootPart()}`, title: `Teeth OS ${manifest!.image_id}`, cmdline: manifest!.cmdline });
    expect(r.loaded[0]!.kernelSha).toBe(imageFileSha(rootPart(), manifest!.kernel));
    expect(mounts()).toEqual([]);
  });

  test("with the kernel gone, a refusal naming what is missing", async () => {
    sh(["debugfs", "-w", "-R", `rm ${manifest!.kernel}`, rootPart()]);
    const r = await load();
    expect(KexecErrors.owns(r.error) && (r.error as { code: string }).code).toBe(KexecErrors.codes.noKernel);
    expect((r.error as Error).message).toContain(`/boot/grub/grub.cfg on ${rootPart()}: kernel ${manifest!.kernel} not found`);
    expect(r.loaded).toEqual([]);
    expect(mounts()).toEqual([]);
  });
});
