/**
 * Partition images end to end on a real loop device (with partition nodes, `losetup -P`) and
 * a local HTTP server: the layout the tools see, the image byte-identical in the root
 * partition, the UUIDs IPA reports, and refusals before or wipes after the disk is touched.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import zlib from "node:zlib";
import { createExec } from "../../common/exec.ts";
import { createSilentLogger } from "../../common/logger.ts";
import type { ImageProgress } from "../../protocol/image-info.ts";
import { partitionUuids, writeImage, type WriteImageOptions } from "./index.ts";
import { configDriveImage, ext4Image, qcow2, randomImage, sha256 } from "./testing/fixtures.ts";
import { startImageServer, type ImageServer } from "./testing/image-server.ts";
import { createLoopDevice, hasPartitionTable, type LoopDevice } from "../../test/support/loop-device.ts";

const MiB = 1 << 20;
const DISK = 640 * MiB;
const ROOT_UUID = "5e1f4a2c-0b7d-4c3e-9a41-7d2f0c9e8b16";
let loop: LoopDevice;
let server: ImageServer;
const logger = createSilentLogger();
const exec = createExec();
const rootfs = ext4Image(8 * MiB, ROOT_UUID);
const iso = configDriveImage(MiB + 4096);

beforeAll(async () => {
  loop = createLoopDevice(DISK, { partscan: true });
  server = await startImageServer();
});
afterAll(async () => {
  await server?.close();
  loop?.detach();
});
beforeEach(() => mark());

/** 0xa5 over the disk's first and last MiB: untouched disks keep it. */
function mark() {
  const fill = Buffer.alloc(MiB, 0xa5);
  Bun.spawnSync(["dd", `of=${loop.path}`, "bs=1M", "count=1", "conv=notrunc,fsync", "status=none"], { stdin: fill });
  Bun.spawnSync(["dd", `of=${loop.path}`, "bs=1M", `seek=${DISK / MiB - 1}`, "count=1", "conv=notrunc,fsync", "status=none"], { stdin: fill });
}
function expectUntouched() {
  expect(loop.read(0, MiB).every((b) => b === 0xa5)).toBe(true);
  expect(loop.read(DISK - MiB, MiB).every((b) => b === 0xa5)).toBe(true);
}
function expectWiped() {
  expect(hasPartitionTable(loop.read(0, MiB), loop.read(DISK - MiB, MiB))).toBe(false);
  expect(loop.read(0, MiB).every((b) => b === 0)).toBe(true);
}

function options(path: string, body: Uint8Array, info: object, extra: Partial<WriteImageOptions> = {}): WriteImageOptions {
  server.put(path, body);
  return {
    device: loop.path,
    imageInfo: { id: path.slice(1), urls: [server.url(path)], os_hash_algo: "sha256", os_hash_value: sha256(body), image_type: "partition", ...info },
    logger,
    exec,
    download: { connectionTimeoutS: 2, connectionRetries: 1, retryIntervalS: 0.05, maxDurationS: 0 },
    partitionNodeTimeoutMs: 10_000,
    ...extra,
  };
}

function sfdisk(): { label: string; partitions: Array<{ node: string; start: number; size: number; type: string; name?: string; bootable?: boolean }> } {
  return JSON.parse(Bun.spawnSync(["sfdisk", "--json", loop.path]).stdout.toString()).partitiontable;
}
function blkid(node: string): Record<string, string> {
  const out = Bun.spawnSync(["blkid", "-p", "-o", "export", node]).stdout.toString();
  return Object.fromEntries(out.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

async function failure(opts: WriteImageOptions): Promise<{ code?: string; message: string }> {
  try {
    await writeImage(opts);
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error("writeImage succeeded");
}

describe("partition images", () => {
  test("uefi + gpt: ESP, ephemeral, swap, config drive, root; the image byte-identical in the root partition", async () => {
    const seen: ImageProgress[] = [];
    const configdrive = zlib.gzipSync(iso).toString("base64");
    const r = await writeImage(
      options("/root.img", rootfs, { root_mb: 16, swap_mb: 8, ephemeral_mb: 16, deploy_boot_mode: "uefi" }, { configdrive, onProgress: (p) => seen.push(p) }),
    );
    const t = sfdisk();
    expect(t.label).toBe("gpt");
    expect(t.partitions.map((p) => [p.start * 512, p.size * 512, p.type, p.name])).toEqual([
      [MiB, 550 * MiB, "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "efi-part"],
      [551 * MiB, 16 * MiB, "0FC63DAF-8483-4772-8E79-3D69D8477DE4", "ephemeral0"],
      [567 * MiB, 8 * MiB, "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", "swap1"],
      [575 * MiB, 2 * MiB, "0FC63DAF-8483-4772-8E79-3D69D8477DE4", "config-2"],
      [577 * MiB, 16 * MiB, "0FC63DAF-8483-4772-8E79-3D69D8477DE4", "root"],
    ]);
    const [esp, eph, swap, cd, root] = t.partitions.map((p) => p.node);
    expect(blkid(esp!)).toMatchObject({ TYPE: "vfat", LABEL: "efi-part" });
    expect(blkid(eph!)).toMatchObject({ TYPE: "ext4", LABEL: "ephemeral0" });
    expect(blkid(swap!)).toMatchObject({ TYPE: "swap", LABEL: "swap1" });
    expect(sha256(loop.read(575 * MiB, iso.length))).toBe(sha256(iso));
    expect(sha256(loop.read(577 * MiB, rootfs.length))).toBe(sha256(rootfs));
    expect(r).toMatchObject({
      image_type: "partition",
      format: "raw",
      "root uuid": ROOT_UUID,
      "efi system partition uuid": blkid(esp!).UUID,
      partitions: { "efi system partition": esp, ephemeral: eph, swap, configdrive: cd, root },
      configdrive: { partition: cd, offset: 575 * MiB, bytes: iso.length, created: true },
    });
    expect(seen.map((p) => p.stage)).toContain("partition");
    // get_partition_uuids reads the same back from the disk.
    expect(await partitionUuids(loop.path, exec)).toMatchObject({ "root uuid": ROOT_UUID, partitions: r.partitions });
  });

  test("bios + msdos: swap and a bootable root, no boot partition; root uuid falls back to PARTUUID", async () => {
    const img = randomImage(3 * MiB);
    const r = await writeImage(options("/bios.img", img, { root_mb: 8, swap_mb: 4 }));
    const t = sfdisk();
    expect(t.label).toBe("dos");
    expect(t.partitions.map((p) => [p.start * 512, p.size * 512, p.type, Boolean(p.bootable)])).toEqual([
      [MiB, 4 * MiB, "82", false],
      [5 * MiB, 8 * MiB, "83", true],
    ]);
    expect(sha256(loop.read(5 * MiB, img.length))).toBe(sha256(img));
    const partuuid = blkid(t.partitions[1]!.node).PART_ENTRY_UUID;
    expect(r["root uuid"]).toBe(partuuid!);
    expect(r["efi system partition uuid"]).toBeNull();
    expect(await partitionUuids(loop.path, exec)).toMatchObject({ "root uuid": partuuid, partitions: { swap: t.partitions[0]!.node, root: t.partitions[1]!.node } });
  });

  test("bios + gpt: a 1 MiB BIOS boot partition first", async () => {
    await writeImage(options("/biosgpt.img", rootfs, { root_mb: 12, disk_label: "gpt", deploy_boot_mode: "bios" }));
    expect(sfdisk().partitions.map((p) => [p.start * 512, p.size * 512, p.name])).toEqual([
      [MiB, MiB, "bios-boot"],
      [2 * MiB, 12 * MiB, "root"],
    ]);
    expect(sha256(loop.read(2 * MiB, rootfs.length))).toBe(sha256(rootfs));
  });

  test("qcow2 into the root partition", async () => {
    const q = qcow2(rootfs);
    const r = await writeImage(options("/root.qcow2", q, { root_mb: 10, disk_format: "qcow2" }));
    expect(r).toMatchObject({ format: "qcow2", image_size: rootfs.length, "root uuid": ROOT_UUID });
    expect(sha256(loop.read(MiB, rootfs.length))).toBe(sha256(rootfs));
  });

  test("preserve_ephemeral keeps the ephemeral filesystem; refused on a disk without it", async () => {
    const info = { root_mb: 12, ephemeral_mb: 16, ephemeral_format: "ext4" };
    const first = await writeImage(options("/p1.img", rootfs, info));
    const ephUuid = blkid(first.partitions.ephemeral!).UUID;
    const img = randomImage(2 * MiB);
    const second = await writeImage(options("/p2.img", img, { ...info, preserve_ephemeral: true }));
    expect(blkid(second.partitions.ephemeral!).UUID).toBe(ephUuid!);
    expect((await partitionUuids(loop.path, exec)).partitions).toEqual(second.partitions);
    expect(sha256(loop.read(17 * MiB, img.length))).toBe(sha256(img));

    mark();
    const e = await failure(options("/p3.img", img, { ...info, preserve_ephemeral: true }));
    expect(e.code).toBe("ImagePreserveEphemeralFailed");
    expectUntouched();
  });

  test("an image larger than root_mb is refused before a byte of it is written, and the whole disk is wiped", async () => {
    const big = randomImage(9 * MiB);
    const e = await failure(options("/big.img", big, { root_mb: 8 }));
    expect(e.code).toBe("ImageDiskFull");
    expect(e.message).toContain("root partition");
    expectWiped();
    expect(loop.read(MiB, 4096).equals(big.subarray(0, 4096))).toBe(false);

    mark();
    const q = qcow2(new Uint8Array(12 * MiB));
    const eq = await failure(options("/bigv.qcow2", q, { root_mb: 8 }));
    expect(eq.code).toBe("ImageDiskFull");
    expect(eq.message).toContain("root partition");
    expectWiped();
  });

  test("a failure after partitioning (wrong checksum) wipes the whole disk", async () => {
    const o = options("/sum.img", rootfs, { root_mb: 10, deploy_boot_mode: "uefi" });
    o.imageInfo = { ...(o.imageInfo as object), os_hash_value: "0".repeat(64) };
    expect((await failure(o)).code).toBe("ImageChecksumMismatch");
    expectWiped();
  });

  test("invalid fields are refused before the disk is touched, the image not even fetched", async () => {
    const cases: Array<[object, string, RegExp]> = [
      [{}, "ImageInfoInvalid", /root_mb/],
      [{ root_mb: 8, disk_label: "dos" }, "ImageInfoInvalid", /disk_label/],
      [{ root_mb: 8, deploy_boot_mode: "efi" }, "ImageInfoInvalid", /deploy_boot_mode/],
      [{ root_mb: 8, ephemeral_mb: 8, ephemeral_format: "zfs" }, "ImageInfoInvalid", /ephemeral_format/],
      [{ root_mb: 8, preserve_ephemeral: true }, "ImageInfoInvalid", /preserve_ephemeral/],
      [{ root_mb: 8, swap_mb: 8, ephemeral_mb: 8, deploy_boot_mode: "uefi", disk_label: "msdos" }, "ImageInfoInvalid", /4 primary/],
      [{ root_mb: 1024 }, "ImageDiskFull", /partition layout/],
    ];
    if (!Bun.which("mkfs.xfs")) cases.push([{ root_mb: 8, ephemeral_mb: 8, ephemeral_format: "xfs" }, "ImageToolMissing", /mkfs\.xfs/]);
    for (const [info, code, message] of cases) {
      const opts = options("/never.img", rootfs, info, { configdrive: zlib.gzipSync(iso).toString("base64") });
      const e = await failure(opts);
      expect([code, e.code, e.message]).toEqual([code, code, expect.stringMatching(message)]);
    }
    expect(server.requests("/never.img")).toEqual([]);
    expectUntouched();
  });
});
