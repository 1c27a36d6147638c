/**
 * @module test/os-image/os-image-boot.test
 * The built OS image, written to a fresh disk file, boots in QEMU (TCG) from disk through
 * SeaBIOS (GRUB i386-pc) and through OVMF (GRUB x86_64-efi at the removable path), on a
 * virtio disk and on an NVMe drive, and prints `TEETH-OS-BOOTED` with its image id, the root
 * device it found by UUID and the boot mode. It powers off by itself when the SMBIOS OEM
 * string or the kernel command line says `teeth.os.poweroff=1`, and otherwise stays up with a
 * shell. A direct kernel boot with grub.cfg's default entry (kernel, initramfs and command line
 * read out of the image) stands in for the kexec a deploy will do.
 *
 * Skipped, saying why, only when the image cannot be built. Boot times are printed, not asserted.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ensureQemu } from "../ramdisk/ensure-ramdisk.ts";
import { startVm, type Vm } from "../ramdisk/qemu-vm.ts";
import { buildOsImage, RAW, REPO } from "./ensure-os-image.ts";

const built = await buildOsImage();
if (!built.ok) console.warn(`SKIPPED test/os-image/os-image-boot.test.ts: the OS image could not be built.\n${built.reason}`);
else console.log(`[os-image] built or up to date in ${built.seconds.toFixed(1)} s`);

const LOGS = resolve(REPO, "build/os-image/test-logs");
const OVMF_CODE = "/usr/share/OVMF/OVMF_CODE.fd";
const OVMF_VARS = "/usr/share/OVMF/OVMF_VARS.fd";
const MARKER = /TEETH-OS-BOOTED image=(\S+) root=(\S+) boot=(\S+) kernel=(\S+)/;
const POWEROFF_OEM = ["-smbios", "type=11,value=teeth.os.poweroff=1"];
const MINUTES = 60_000;

describe.skipIf(!built.ok)("OS image boots from disk in QEMU", () => {
  const m = built.ok ? built.manifest : (undefined as never);
  let dir: string;
  const vms: Vm[] = [];

  beforeAll(() => {
    ensureQemu();
    dir = mkdtempSync(join(tmpdir(), "teeth-os-boot-"));
  });
  afterAll(async () => {
    for (const vm of vms) await vm.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh (sparse) copy of the raw image: what a deploy leaves on the disk. */
  function freshDisk(name: string): string {
    const path = join(dir, `${name}.raw`);
    const cp = Bun.spawnSync(["cp", "--sparse=always", RAW, path], { stderr: "pipe" });
    if (cp.exitCode !== 0) throw new Error(`cp ${RAW}: ${cp.stderr.toString()}`);
    return path;
  }

  function ovmf(name: string): string[] {
    const vars = join(dir, `${name}-vars.fd`);
    copyFileSync(OVMF_VARS, vars);
    return ["-drive", `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`, "-drive", `if=pflash,format=raw,file=${vars}`];
  }

  async function boot(name: string, extra: string[], direct?: { kernel: string; initrd: string; append: string }) {
    const vm = startVm({ ...direct, extra: ["-boot", "c", ...extra], consoleLog: join(LOGS, `${name}.log`), memoryMiB: 512 });
    vms.push(vm);
    const marker = await vm.waitForConsole(MARKER, 5 * MINUTES);
    const seconds = (performance.now() - vm.startedAt) / 1000;
    console.log(`[os-image] ${name}: marker after ${seconds.toFixed(1)} s: ${marker[0]}`);
    return { vm, image: marker[1], root: marker[2], mode: marker[3], kernel: marker[4] };
  }

  test("SeaBIOS, virtio disk: GRUB i386-pc boots it, and the SMBIOS flag powers it off", async () => {
    const disk = freshDisk("bios-virtio");
    const r = await boot("bios-virtio", ["-drive", `file=${disk},if=virtio,format=raw`, ...POWEROFF_OEM]);
    expect([r.image, r.root, r.mode, r.kernel]).toEqual([m.image_id, "/dev/vda3", "bios", m.kernel_version]);
    expect(await r.vm.waitForExit(2 * MINUTES)).toBe(0);
    expect(r.vm.console()).toContain("teeth-os: powering off");
  }, 8 * MINUTES);

  test("OVMF, virtio disk: GRUB x86_64-efi from the removable path boots it, and without the flag it stays up", async () => {
    const disk = freshDisk("uefi-virtio");
    const r = await boot("uefi-virtio", [...ovmf("uefi-virtio"), "-drive", `file=${disk},if=virtio,format=raw`]);
    expect([r.image, r.root, r.mode]).toEqual([m.image_id, "/dev/vda3", "uefi"]);
    // The shell /init starts instead of powering off.
    await r.vm.waitForConsole(/TEETH-OS-BOOTED[^\n]*\n(?:[^\n]*\n)*?[^\n]*# /, 2 * MINUTES);
    expect(r.vm.proc.exitCode).toBeNull();
    expect(r.vm.console()).not.toContain("teeth-os: powering off");
    await r.vm.kill();
  }, 8 * MINUTES);

  test("OVMF, NVMe drive: the root is found by UUID on nvme0n1p3", async () => {
    const disk = freshDisk("uefi-nvme");
    const r = await boot("uefi-nvme", [
      ...ovmf("uefi-nvme"),
      "-drive", `file=${disk},if=none,id=d0,format=raw`,
      "-device", "nvme,serial=TEETHOS01,drive=d0",
      ...POWEROFF_OEM,
    ]);
    expect([r.image, r.root, r.mode]).toEqual([m.image_id, "/dev/nvme0n1p3", "uefi"]);
    expect(await r.vm.waitForExit(2 * MINUTES)).toBe(0);
  }, 8 * MINUTES);

  test("kexec stand-in: grub.cfg's kernel, initramfs and command line booted directly, teeth.os.poweroff=1 on it", async () => {
    const disk = freshDisk("direct");
    const spec = `${disk}?offset=${rootPartitionOffset(disk)}`;
    const cfg = debugfsCat(spec, m.grub_cfg).toString();
    const linux = cfg.match(/^\s*linux\s+(\S+)\s+(.*)$/m)!;
    const initrdPath = cfg.match(/^\s*initrd\s+(\S+)/m)![1]!;
    const kernel = join(dir, "vmlinuz");
    const initrd = join(dir, "initrd.img");
    writeFileSync(kernel, debugfsCat(spec, linux[1]!));
    writeFileSync(initrd, debugfsCat(spec, initrdPath));
    const r = await boot("direct", ["-drive", `file=${disk},if=virtio,format=raw`], {
      kernel,
      initrd,
      append: `${linux[2]!.trim()} teeth.os.poweroff=1`,
    });
    expect([r.image, r.root]).toEqual([m.image_id, "/dev/vda3"]);
    expect(await r.vm.waitForExit(2 * MINUTES)).toBe(0);
  }, 8 * MINUTES);
});

/** The byte offset of partition 3, from sgdisk (as a deploy's tooling would find it). */
function rootPartitionOffset(disk: string): number {
  const out = Bun.spawnSync(["sgdisk", "-i", "3", disk], { stdout: "pipe" }).stdout.toString();
  const first = out.match(/First sector: (\d+)/);
  if (!first) throw new Error(`sgdisk -i 3 ${disk}: ${out}`);
  return Number(first[1]) * 512;
}

function debugfsCat(spec: string, path: string): Buffer {
  const r = Bun.spawnSync(["debugfs", "-R", `cat ${path}`, spec], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0 || r.stdout.length === 0) throw new Error(`debugfs cat ${path}: ${r.stderr.toString()}`);
  return r.stdout;
}
