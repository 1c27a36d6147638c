/**
 * @module test/os-image/os-image-layout.test
 * The built OS image is laid out as a deploy (issue 14's kexec step) will read it: a GPT with
 * the BIOS boot partition, the ESP and the x86-64 root, their GUIDs and file system UUIDs
 * fixed by the image id; GRUB's boot.img in the MBR pointing at core.img in the BIOS boot
 * partition; BOOTX64.EFI on the ESP; a grub.cfg whose default entry names the kernel and
 * initramfs on the root with `root=UUID=<root fs>`, and a BLS entry saying the same. The qcow2
 * and zstd files decode to exactly the raw image's bytes. Everything is read from the image
 * file itself (GPT and superblocks parsed here, files through debugfs and mtools), not from
 * the build's own manifest alone.
 */
import { describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildOsImage, derivedUuid, OUT, QCOW2, RAW, ZST } from "./ensure-os-image.ts";

const built = await buildOsImage();
if (!built.ok) console.warn(`SKIPPED test/os-image/os-image-layout.test.ts: the OS image could not be built.\n${built.reason}`);
else console.log(`[os-image] built or up to date in ${built.seconds.toFixed(1)} s`);

const BIOS_BOOT = "21686148-6449-6e6f-744e-656564454649";
const ESP = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";
const ROOT_X86_64 = "4f68bce3-e8cd-4db1-96e7-fbcaf984b709";

function readAt(path: string, offset: number, length: number): Buffer {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, offset);
    return buf;
  } finally {
    closeSync(fd);
  }
}

/** A GPT GUID (first three fields little-endian) as text. */
function guid(b: Buffer): string {
  const h = (x: Buffer) => x.toString("hex");
  const le = (x: Buffer) => h(Buffer.from(x).reverse());
  return `${le(b.subarray(0, 4))}-${le(b.subarray(4, 6))}-${le(b.subarray(6, 8))}-${h(b.subarray(8, 10))}-${h(b.subarray(10, 16))}`;
}

interface GptPartition { number: number; type: string; uuid: string; first: number; last: number; name: string }

function readGpt(path: string): { diskGuid: string; partitions: GptPartition[] } {
  const header = readAt(path, 512, 512);
  expect(header.subarray(0, 8).toString("latin1")).toBe("EFI PART");
  const entriesLba = Number(header.readBigUInt64LE(72));
  const count = header.readUInt32LE(80);
  const size = header.readUInt32LE(84);
  const table = readAt(path, entriesLba * 512, count * size);
  const partitions: GptPartition[] = [];
  for (let i = 0; i < count; i++) {
    const e = table.subarray(i * size, (i + 1) * size);
    if (e.subarray(0, 16).every((x) => x === 0)) continue;
    partitions.push({
      number: i + 1,
      type: guid(e.subarray(0, 16)),
      uuid: guid(e.subarray(16, 32)),
      first: Number(e.readBigUInt64LE(32)),
      last: Number(e.readBigUInt64LE(40)),
      name: e.subarray(56, 128).toString("utf16le").replace(/\0+$/, ""),
    });
  }
  return { diskGuid: guid(header.subarray(56, 72)), partitions };
}

function run(cmd: string[], env: Record<string, string> = {}): Buffer {
  const r = Bun.spawnSync(cmd, { env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} exited ${r.exitCode}: ${r.stderr.toString()}`);
  return r.stdout;
}

interface GrubEntry { title: string; id?: string; linux: string; args: string[]; initrd: string }

/** The default entry of a plain grub.cfg (`set default=N|id`, menuentry blocks), as a kexec step reads it. */
function grubDefault(cfg: string): GrubEntry {
  const def = cfg.match(/^\s*set default=["']?([^"'\s]+)/m)?.[1] ?? "0";
  const entries: GrubEntry[] = [];
  for (const m of cfg.matchAll(/^\s*menuentry\s+'([^']*)'([^{]*)\{([\s\S]*?)^\s*\}/gm)) {
    const body = m[3]!;
    const linux = body.match(/^\s*linux\s+(\S+)(.*)$/m);
    const initrd = body.match(/^\s*initrd\s+(\S+)/m);
    if (!linux || !initrd) continue;
    entries.push({ title: m[1]!, id: m[2]!.match(/--id\s+(\S+)/)?.[1], linux: linux[1]!, args: linux[2]!.trim().split(/\s+/), initrd: initrd[1]! });
  }
  const chosen = /^\d+$/.test(def) ? entries[Number(def)] : entries.find((e) => e.id === def);
  if (!chosen) throw new Error(`grub.cfg has no entry ${def}`);
  return chosen;
}

describe.skipIf(!built.ok)("OS image layout", () => {
  const m = built.ok ? built.manifest : (undefined as never);
  const gpt = built.ok ? readGpt(RAW) : (undefined as never);
  const part = (n: number) => gpt.partitions.find((p) => p.number === n)!;
  const rootFsSpec = () => `${RAW}?offset=${part(3).first * 512}`;
  const debugfs = (request: string) => run(["debugfs", "-R", request, rootFsSpec()]);

  test("a GPT with the BIOS boot partition, the ESP and the root, GUIDs fixed by the image id", () => {
    const id = m.image_id;
    expect(gpt.diskGuid).toBe(derivedUuid(id, "disk"));
    expect(gpt.partitions.map((p) => [p.number, p.type, p.uuid, p.name])).toEqual([
      [1, BIOS_BOOT, derivedUuid(id, "bios-boot-partition"), "bios-boot"],
      [2, ESP, derivedUuid(id, "esp-partition"), "esp"],
      [3, ROOT_X86_64, derivedUuid(id, "root-partition"), "teeth-root"],
    ]);
    expect(m.partitions.map((p) => p.uuid)).toEqual(gpt.partitions.map((p) => p.uuid));
    expect(m.disk_guid).toBe(gpt.diskGuid);
    // In order, 1 MiB aligned, inside the disk (the backup GPT takes the last 33 sectors).
    const sectors = m.files.raw.bytes / 512;
    for (const p of gpt.partitions) expect(p.first % 2048).toBe(0);
    expect(part(1).first).toBeGreaterThanOrEqual(2048);
    expect(part(2).first).toBeGreaterThan(part(1).last);
    expect(part(3).first).toBeGreaterThan(part(2).last);
    expect(part(3).last).toBeLessThanOrEqual(sectors - 34);
    // The protective MBR: one 0xEE entry and the boot signature.
    const mbr = readAt(RAW, 0, 512);
    expect(mbr[446 + 4]).toBe(0xee);
    expect(mbr.readUInt16LE(510)).toBe(0xaa55);
  });

  test("BIOS: boot.img in the MBR points at core.img in the BIOS boot partition, whose blocklist follows it", () => {
    const mbr = readAt(RAW, 0, 512);
    expect(mbr.subarray(0, 440).includes(Buffer.from("GRUB \0Geom\0Hard Disk\0Read\0 Error"))).toBe(true);
    const coreLba = Number(mbr.readBigUInt64LE(0x5c));
    expect(coreLba).toBe(part(1).first);
    const diskboot = readAt(RAW, coreLba * 512, 512);
    expect(Number(diskboot.readBigUInt64LE(0x1f4))).toBe(coreLba + 1);
    const restSectors = diskboot.readUInt16LE(0x1fc);
    expect(restSectors).toBeGreaterThan(0);
    expect(coreLba + restSectors).toBeLessThanOrEqual(part(1).last);
  });

  test("the root ext4 has the fixed UUID and holds the kernel, the initramfs and the image id", () => {
    const sb = readAt(RAW, part(3).first * 512 + 1024, 1024);
    expect(sb.readUInt16LE(0x38)).toBe(0xef53);
    const h = sb.subarray(0x68, 0x78).toString("hex");
    const fsUuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    expect(fsUuid).toBe(derivedUuid(m.image_id, "root-fs"));
    expect(m.root_fs_uuid).toBe(fsUuid);
    expect(debugfs("cat /etc/teeth/image-id").toString().trim()).toBe(m.image_id);
    const kernel = debugfs(`cat ${m.kernel}`);
    expect(kernel.length).toBeGreaterThan(1_000_000);
    expect(kernel.subarray(0x202, 0x206).toString("latin1")).toBe("HdrS"); // a bzImage
    const initrd = debugfs(`cat ${m.initrd}`);
    expect(initrd[0]).toBe(0x1f); // gzip
    expect(initrd[1]).toBe(0x8b);
  });

  test("grub.cfg's default entry and the BLS entry name the kernel and initramfs with root=UUID=", () => {
    const cfg = debugfs(`cat ${m.grub_cfg}`).toString();
    const entry = grubDefault(cfg);
    expect(entry.linux).toBe(m.kernel);
    expect(entry.initrd).toBe(m.initrd);
    expect(entry.args).toContain(`root=UUID=${m.root_fs_uuid}`);
    expect(entry.args).toContain("console=ttyS0,115200");
    expect(entry.args).toContain(`teeth.os.image=${m.image_id}`);
    expect(entry.args.join(" ")).toBe(m.cmdline);
    expect(entry.linux).toBe(`/boot/vmlinuz-${m.kernel_version}`);
    const bls = Object.fromEntries(
      debugfs(`cat ${m.bls_entry}`).toString().trim().split("\n").map((l) => {
        const [k, ...v] = l.trim().split(/\s+/);
        return [k!, v.join(" ")];
      }),
    );
    expect(bls).toMatchObject({ linux: m.kernel, initrd: m.initrd, options: m.cmdline, version: m.kernel_version });
  });

  test("the ESP is FAT32 with the fixed volume id and GRUB x86_64-efi at the removable path", () => {
    const offset = part(2).first * 512;
    const bs = readAt(RAW, offset, 512);
    expect(bs.subarray(0x52, 0x5a).toString("latin1")).toBe("FAT32   ");
    const vol = bs.readUInt32LE(0x43).toString(16).toUpperCase().padStart(8, "0");
    expect(`${vol.slice(0, 4)}-${vol.slice(4)}`).toBe(m.esp_fs_uuid);
    const efi = run(["mcopy", "-n", "-i", `${RAW}@@${offset}`, "::/EFI/BOOT/BOOTX64.EFI", "-"], { MTOOLS_SKIP_CHECK: "1" });
    expect(efi.subarray(0, 2).toString("latin1")).toBe("MZ");
    const pe = efi.readUInt32LE(0x3c);
    expect(efi.subarray(pe, pe + 4).toString("latin1")).toBe("PE\0\0");
    expect(efi.readUInt16LE(pe + 4)).toBe(0x8664); // x86_64
    // The embedded early config finds the root by its UUID.
    expect(efi.includes(Buffer.from(`search --no-floppy --fs-uuid --set=root ${m.root_fs_uuid}`))).toBe(true);
  });

  test("the qcow2 and zstd files decode to exactly the raw image, and every .sha256 is right", () => {
    const sha = (b: Buffer) => new Bun.CryptoHasher("sha256").update(b).digest("hex");
    const raw = readFileSync(RAW);
    expect(sha(raw)).toBe(m.files.raw.sha256);
    const dir = mkdtempSync(join(tmpdir(), "teeth-os-image-"));
    try {
      const fromQcow2 = join(dir, "from-qcow2.raw");
      run(["qemu-img", "convert", "-f", "qcow2", "-O", "raw", QCOW2, fromQcow2]);
      expect(sha(readFileSync(fromQcow2))).toBe(m.files.raw.sha256);
      expect(sha(run(["zstd", "-dc", ZST]))).toBe(m.files.raw.sha256);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    for (const [file, want] of [[RAW, m.files.raw], [QCOW2, m.files.qcow2], [ZST, m.files.zst]] as const) {
      expect(sha(readFileSync(file))).toBe(want.sha256);
      expect(readFileSync(`${file}.sha256`, "utf8")).toBe(`${want.sha256}  ${want.name}\n`);
      expect(Bun.file(file).size).toBe(want.bytes);
    }
    expect(readFileSync(resolve(OUT, "teeth-os.env"), "utf8")).toContain(`OS_ROOT_FS_UUID=${m.root_fs_uuid}\n`);
  });
});
