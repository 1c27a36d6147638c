import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSilentLogger } from "../../common/logger.ts";
import { hasCode } from "../../common/error-catalogue.ts";
import { KexecErrors } from "./errors.ts";
import { kexecLoader, loadDeployedOs, type KernelToLoad } from "./load-deployed-os.ts";
import { fakeDisk, type FakePartition } from "./testing/fake-disk.ts";

const ESP = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";
const BIOS = "21686148-6449-6e6f-744e-656564454649";
let tmp: string;
const tmps: string[] = [];
afterEach(() => {
  for (const d of tmps.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function run(parts: FakePartition[], o: Parameters<typeof fakeDisk>[1] & { imageType?: "whole-disk" | "partition"; realLoader?: boolean } = {}) {
  tmp = mkdtempSync(join(tmpdir(), "kx-unit-"));
  tmps.push(tmp);
  const disk = fakeDisk(parts, o);
  const loaded: Array<KernelToLoad & { kernelText: string; initrdText: string | null }> = [];
  const load = o.realLoader
    ? kexecLoader(disk.exec)
    : async (k: KernelToLoad) => {
        // Read while mounted: the files must still be there for kexec -l.
        loaded.push({ ...k, kernelText: readFileSync(k.kernel, "utf8"), initrdText: k.initrd ? readFileSync(k.initrd, "utf8") : null });
      };
  const result = await loadDeployedOs({ disk: "/dev/vda", imageType: o.imageType, exec: disk.exec, fs: disk.fs, logger: createSilentLogger(), load, tmpRoot: tmp }).then(
    (os) => ({ os, error: null }),
    (error: unknown) => ({ os: null, error }),
  );
  return { ...result, loaded, disk, leftovers: readdirSync(tmp) };
}

const rootFs = (files: Record<string, string>): FakePartition => ({ number: 3, fstype: "ext4", uuid: "root-uuid", files: { "/etc/os-release": "ID=x\n", ...files } });

describe("loading the deployed OS for kexec", () => {
  test("the BLS entry on the root file system: kernel, initramfs, command line; everything unmounted and removed", async () => {
    const r = await run([
      { number: 1, fstype: null, uuid: null, parttype: BIOS },
      { number: 2, fstype: "vfat", uuid: "esp-1", parttype: ESP, files: { "/EFI/BOOT/BOOTX64.EFI": "efi" } },
      rootFs({ "/boot/loader/entries/os.conf": "title OS\nlinux /boot/vmlinuz-6\ninitrd /boot/initrd-6\noptions root=UUID=root-uuid ro console=ttyS0\n", "/boot/vmlinuz-6": "KERNEL", "/boot/initrd-6": "INITRD" }),
    ]);
    expect(r.error).toBeNull();
    expect(r.os).toMatchObject({ source: "bls /boot/loader/entries on /dev/vda3", kernel: "/boot/vmlinuz-6 on /dev/vda3", initrd: "/boot/initrd-6 on /dev/vda3", cmdline: "root=UUID=root-uuid ro console=ttyS0", root: "UUID=root-uuid" });
    expect(r.loaded.map((l) => [l.kernelText, l.initrdText, l.cmdline])).toEqual([["KERNEL", "INITRD", "root=UUID=root-uuid ro console=ttyS0"]]);
    const mounts = r.disk.calls.filter((c) => c[0] === "mount");
    expect(mounts.map((c) => c.slice(1, 5))).toEqual([["-t", "vfat", "-o", "ro"], ["-t", "ext4", "-o", "ro,noload"]]);
    expect(r.disk.mounted.size).toBe(0);
    expect(r.leftovers).toEqual([]);
  });

  test("grub.cfg on the root, kernel on a separate /boot found by the searched UUID, root=/dev/sda3 made a UUID", async () => {
    const r = await run([
      { number: 2, fstype: "ext4", uuid: "boot-uuid", files: { "/vmlinuz-6": "K", "/initrd.img-6": "I", "/grub/grub.cfg": "set default=0\nmenuentry 'OS' {\n search --no-floppy --fs-uuid --set=root boot-uuid\n linux /vmlinuz-6 root=/dev/sda3 ro\n initrd /initrd.img-6\n}\n" } },
      rootFs({}),
    ]);
    expect(r.error).toBeNull();
    expect(r.os).toMatchObject({ source: "grub /grub/grub.cfg on /dev/vda2", kernel: "/vmlinuz-6 on /dev/vda2", cmdline: "root=UUID=root-uuid ro" });
  });

  test("extlinux.conf with a symbolic-link kernel (absolute target resolved inside the partition)", async () => {
    const r = await run([rootFs({ "/boot/extlinux/extlinux.conf": "DEFAULT os\nLABEL os\n KERNEL /vmlinuz\n INITRD /initrd.img\n APPEND ro quiet\n", "/vmlinuz": "->/boot/vmlinuz-6", "/initrd.img": "->boot/initrd-6", "/boot/vmlinuz-6": "K6", "/boot/initrd-6": "I6" })]);
    expect(r.error).toBeNull();
    expect(r.loaded[0]).toMatchObject({ kernelText: "K6", initrdText: "I6", cmdline: "root=UUID=root-uuid ro quiet" });
  });

  test("an entry whose kernel is missing is passed over; none left is KexecNoKernel with every reason, and nothing stays mounted", async () => {
    const r = await run([rootFs({ "/boot/loader/entries/os.conf": "linux /boot/vmlinuz-gone\noptions root=UUID=root-uuid\n", "/boot/grub/grub.cfg": "menuentry 'x' {\n linux /boot/vmlinuz-also-gone root=UUID=root-uuid\n}\n" })]);
    expect(hasCode(r.error, KexecErrors.codes.noKernel)).toBe(true);
    expect((r.error as Error).message).toBe("kexec refused: no kernel found in the deployed image (/boot/loader/entries on /dev/vda3: kernel /boot/vmlinuz-gone not found; /boot/grub/grub.cfg on /dev/vda3: kernel /boot/vmlinuz-also-gone not found)");
    expect(r.loaded).toEqual([]);
    expect(r.disk.mounted.size).toBe(0);
    expect(r.leftovers).toEqual([]);
  });

  test("a disk with no boot configuration, or no file system at all, is KexecNoKernel", async () => {
    const empty = await run([rootFs({})]);
    expect((empty.error as Error).message).toContain("no BLS entry, grub.cfg or extlinux.conf on any partition");
    const raw = await run([{ number: 1, fstype: null, uuid: null }]);
    expect((raw.error as Error).message).toContain("no partition of the install disk has a file system that could be mounted");
  });

  test("Secure Boot enforced is refused before anything is mounted; SecureBoot=0 is not", async () => {
    const files = { "/boot/loader/entries/os.conf": "linux /boot/k\noptions root=UUID=root-uuid\n", "/boot/k": "K" };
    const on = await run([rootFs(files)], { secureBoot: true });
    expect(hasCode(on.error, KexecErrors.codes.secureBoot)).toBe(true);
    expect(on.disk.calls.filter((c) => c[0] === "mount")).toEqual([]);
    const off = await run([rootFs(files)], { secureBoot: false });
    expect(off.error).toBeNull();
  });

  test("a partition image needs a boot loader on the disk (ESP loader, BIOS boot partition or MBR code)", async () => {
    const files = { "/boot/loader/entries/os.conf": "linux /boot/k\noptions root=UUID=root-uuid\n", "/boot/k": "K" };
    const bare = await run([rootFs(files)], { imageType: "partition" });
    expect(hasCode(bare.error, KexecErrors.codes.noBootLoader)).toBe(true);
    expect(bare.loaded).toEqual([]);
    expect((await run([rootFs(files)], { imageType: "partition", mbrCode: true })).error).toBeNull();
    expect((await run([{ number: 1, fstype: "vfat", uuid: "e", parttype: ESP, files: { "/EFI/debian/grubx64.efi": "g" } }, rootFs(files)], { imageType: "partition" })).error).toBeNull();
    // A whole-disk image is not asked: its own boot loader is the image's business.
    expect((await run([rootFs(files)])).error).toBeNull();
  });

  test("kexec -l gets kernel, --initrd and --command-line; its failure is KexecLoadFailed with kexec's words", async () => {
    const files = { "/boot/loader/entries/os.conf": "linux /boot/k\ninitrd /boot/i\noptions root=UUID=root-uuid ro\n", "/boot/k": "K", "/boot/i": "I" };
    const good = await run([rootFs(files)], { realLoader: true });
    const kexec = good.disk.calls.find((c) => c[0] === "kexec")!;
    expect(kexec[1]).toBe("-l");
    expect(kexec[2]).toEndWith("/p3/boot/k");
    expect(kexec.slice(3)).toEqual([expect.stringMatching(/^--initrd=.*\/p3\/boot\/i$/), "--command-line=root=UUID=root-uuid ro"]);
    const bad = await run([rootFs(files)], { realLoader: true, kexecFails: "Cannot load /boot/k: Invalid argument" });
    expect(hasCode(bad.error, KexecErrors.codes.load)).toBe(true);
    expect((bad.error as Error).message).toBe("kexec -l failed: Cannot load /boot/k: Invalid argument");
    expect(bad.disk.mounted.size).toBe(0);
    expect(existsSync(tmp) && readdirSync(tmp)).toEqual([]);
  });
});
