/**
 * The generic manager's image operations through the real registry: `write_image` as Ironic
 * drives it (deploy step -> `prepare_image`), the config drive, partition images and
 * `get_partition_uuids`, and failures that leave the agent answering and the disk unbootable.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import zlib from "node:zlib";
import { HardwareSupport, defineHardwareManager } from "../../hardware-managers/contract/index.ts";
import { createTestContext, type TestContext } from "../../hardware-managers/contract/testing.ts";
import { genericHardwareManager } from "../../hardware-managers/generic/index.ts";
import { configDriveImage, ext4Image, gptImage, randomImage, sha256 } from "../../machine/image/testing/fixtures.ts";
import { startImageServer, type ImageServer } from "../../machine/image/testing/image-server.ts";
import { createLoopDevice, hasPartitionTable, type LoopDevice } from "../support/loop-device.ts";

const MiB = 1 << 20;
let loop: LoopDevice;
let server: ImageServer;
let t: TestContext;

beforeAll(async () => {
  loop = createLoopDevice(96 * MiB, { partscan: true });
  server = await startImageServer();
  const disk = defineHardwareManager({
    name: "test_disk_manager",
    version: "1.0",
    evaluateSupport: () => HardwareSupport.VENDOR,
    operations: { get_os_install_device: () => loop.path },
  });
  t = createTestContext({
    managers: [disk, genericHardwareManager],
    exec: "real",
    files: "real",
    config: { imageDownload: { connectionTimeoutS: 2, connectionRetries: 2, retryIntervalS: 0.05, maxDurationS: 0 } },
  });
  await t.registry.initialize(t.base);
});
afterAll(async () => {
  await server?.close();
  loop?.detach();
});

describe("image operations", () => {
  test("write_image is advertised as a deploy step at priority 80", async () => {
    const steps = await t.registry.steps("deploy", t.base, { node: {}, ports: [] });
    expect(steps.generic_hardware_manager).toContainEqual(
      expect.objectContaining({ step: "write_image", priority: 80, interface: "deploy" }),
    );
  });

  test("write_image with a config drive, then get_partition_uuids", async () => {
    const img = gptImage(32 * MiB);
    server.put("/gpt.img", img);
    const iso = Buffer.alloc(2 * MiB, 0x42);
    iso.write("CD001", 0x8001, "latin1");
    const configdrive = zlib.gzipSync(iso).toString("base64");
    const { result } = await t.dispatch("write_image", {
      image_info: { id: "gpt", urls: [server.url("/gpt.img")], os_hash_algo: "sha256", os_hash_value: sha256(img), disk_format: "raw" },
      configdrive,
    });
    expect(result).toMatchObject({ format: "raw", device: loop.path, checksum: { verified: true } });
    expect(String(result.message)).toContain(loop.path);
    const cd = result.configdrive as { partition: string; offset: number; bytes: number; created: boolean };
    expect(cd).toMatchObject({ bytes: iso.length, created: true });
    expect(sha256(loop.read(cd.offset, iso.length))).toBe(sha256(iso));
    // The image's own partitions are intact.
    expect(sha256(loop.read(2048 * 512, 2 * MiB))).toBe(sha256(img.subarray(2048 * 512, 2048 * 512 + 2 * MiB)));
    expect(t.progress.some((p) => p.stage === "download" || p.stage === "done")).toBe(true);

    const { result: uuids } = await t.dispatch("get_partition_uuids", {});
    expect(uuids).toHaveProperty("root uuid");
    expect(uuids["efi system partition uuid"]).toMatch(/^[0-9A-F-]{36}$/i);
    expect((uuids.partitions as Record<string, string>).configdrive).toBe(cd.partition);
  });

  test("write_image of a partition image: root_uuid in IPA's result line, then get_partition_uuids", async () => {
    const rootUuid = "0c7e2a1d-3f4b-4e5a-8c6d-9b0a1f2e3d4c";
    const img = ext4Image(4 * MiB, rootUuid);
    server.put("/part.img", img);
    const iso = configDriveImage(MiB);
    const { result } = await t.dispatch("write_image", {
      image_info: {
        id: "part",
        urls: [server.url("/part.img")],
        os_hash_algo: "sha256",
        os_hash_value: sha256(img),
        image_type: "partition",
        root_gb: null,
        root_mb: 8,
        swap_mb: 4,
        ephemeral_mb: 0,
        ephemeral_format: null,
        preserve_ephemeral: false,
        deploy_boot_mode: "bios",
        boot_option: "local",
      },
      configdrive: zlib.gzipSync(iso).toString("base64"),
    });
    // Ironic (agent_base._get_uuid_from_result) splits this line and takes the word after root_uuid=.
    expect(result.result).toBe(`prepare_image: image (part) written to device ${loop.path} root_uuid=${rootUuid}`);
    const partitions = result.partitions as Record<string, string>;
    expect(Object.keys(partitions).sort()).toEqual(["configdrive", "root", "swap"]);
    expect(sha256(loop.read(MiB + 4 * MiB + MiB, img.length))).toBe(sha256(img));

    const { result: uuids } = await t.dispatch("get_partition_uuids", {});
    expect(uuids).toEqual({
      "root uuid": rootUuid,
      "efi system partition uuid": null,
      "PReP Boot partition uuid": null,
      partitions,
    });
  });

  test("invalid params fail before the disk is touched; a failed write wipes; the registry still answers", async () => {
    await expect(t.dispatch("prepare_image", { image_info: { id: "x" } })).rejects.toMatchObject({
      code: "ImageInfoInvalid",
    });
    const img = randomImage(4 * MiB);
    server.put("/bad.img", img);
    await expect(
      t.dispatch("prepare_image", {
        image_info: { id: "bad", urls: [server.url("/bad.img")], os_hash_algo: "sha256", os_hash_value: "0".repeat(64) },
      }),
    ).rejects.toMatchObject({ code: "ImageChecksumMismatch" });
    expect(hasPartitionTable(loop.read(0, MiB), loop.read(loop.size - MiB, MiB))).toBe(false);
    const { result } = await t.dispatch("cache_image", {
      image_info: { id: "ok", urls: [server.url("/bad.img")], os_hash_algo: "sha256", os_hash_value: sha256(img) },
    });
    expect(result.format).toBe("raw");
  });

  test("a mounted disk is refused before a byte is written, and keeps its filesystem", async () => {
    const sh = (cmd: string[]) => {
      const r = Bun.spawnSync(cmd);
      if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr}`);
      return r.stdout.toString().trim();
    };
    sh(["mkfs.ext4", "-q", "-F", loop.path]);
    const mnt = sh(["mktemp", "-d"]);
    sh(["mount", loop.path, mnt]);
    try {
      const img = randomImage(MiB);
      server.put("/over-mounted.img", img);
      await expect(
        t.dispatch("prepare_image", {
          image_info: { id: "m", urls: [server.url("/over-mounted.img")], os_hash_algo: "sha256", os_hash_value: sha256(img) },
        }),
      ).rejects.toMatchObject({ code: "ImageDeviceInUse" });
    } finally {
      sh(["umount", mnt]);
      sh(["rmdir", mnt]);
    }
    expect(sh(["blkid", "-p", "-o", "value", "-s", "TYPE", loop.path])).toBe("ext4");
  });
});
