/**
 * Pre-staged images on the agent's side, through the real registry on a loop device:
 * `cache_image` writes and remembers; a later `write_image` of the same checksum writes only
 * the config drive (the image is not downloaded again, its bytes stay); another image, an
 * erased disk or a disk changed behind the agent's back are written as usual.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import zlib from "node:zlib";
import { HardwareSupport, defineHardwareManager } from "../../hardware-managers/contract/index.ts";
import { createTestContext, type TestContext } from "../../hardware-managers/contract/testing.ts";
import { genericHardwareManager } from "../../hardware-managers/generic/index.ts";
import { cachedImageOnDisk } from "../../hardware-managers/generic/image-cache.ts";
import { gptImage, sha256 } from "../../machine/image/testing/fixtures.ts";
import { startImageServer, type ImageServer } from "../../machine/image/testing/image-server.ts";
import { createLoopDevice, type LoopDevice } from "../support/loop-device.ts";

const MiB = 1 << 20;
let loop: LoopDevice;
let server: ImageServer;
let t: TestContext;
const imgA = gptImage(24 * MiB);
const imgB = gptImage(16 * MiB);
const info = (name: string, img: Buffer) => ({ id: name, urls: [server.url(`/${name}`)], os_hash_algo: "sha256", os_hash_value: sha256(img), disk_format: "raw" });
const iso = Buffer.alloc(MiB, 0x42);
iso.write("CD001", 0x8001, "latin1");
const configdrive = zlib.gzipSync(iso).toString("base64");

beforeAll(async () => {
  loop = createLoopDevice(96 * MiB, { partscan: true });
  server = await startImageServer();
  server.put("/a.img", imgA);
  server.put("/b.img", imgB);
});
beforeEach(async () => {
  loop.fill(0);
  // A fresh agent for each test: its memory starts empty.
  const disk = defineHardwareManager({ name: "test_disk_manager", version: "1.0", evaluateSupport: () => HardwareSupport.VENDOR, operations: { get_os_install_device: () => loop.path } });
  t = createTestContext({ managers: [disk, genericHardwareManager], exec: "real", files: "real" });
  await t.registry.initialize(t.base);
});
afterAll(async () => {
  await server?.close();
  loop?.detach();
});

const downloads = (name: string) => server.requests(`/${name}`).length;

describe("pre-staged images (cache_image, then write_image)", () => {
  test("the same checksum: only the config drive is written, the image is not fetched again", async () => {
    const cached = await t.dispatch("cache_image", { image_info: info("a.img", imgA) });
    expect(cached.result).toMatchObject({ device: loop.path, image_size: imgA.length, bytes_downloaded: imgA.length, configdrive: null });
    expect(sha256(loop.read(0, imgA.length))).toBe(sha256(imgA));
    const before = downloads("a.img");

    const { result } = await t.dispatch("write_image", { image_info: info("a.img", imgA), configdrive });
    expect(result.image_cached).toBe(true);
    expect(downloads("a.img")).toBe(before);
    const cd = result.configdrive as { offset: number; bytes: number };
    expect(result.bytes_written).toBe(iso.length);
    expect(cd.bytes).toBe(iso.length);
    expect(sha256(loop.read(cd.offset, iso.length))).toBe(sha256(iso));
    // The pre-staged partitions are intact, and Ironic still gets its result line.
    expect(sha256(loop.read(2048 * 512, 2 * MiB))).toBe(sha256(imgA.subarray(2048 * 512, 2048 * 512 + 2 * MiB)));
    expect(String(result.result)).toStartWith(`prepare_image: image (a.img) written to device ${loop.path} root_uuid=`);
    expect(String(result.message)).toContain("only the config drive written");
  });

  test("the cache is used once: a second deploy on the same agent writes the image", async () => {
    await t.dispatch("cache_image", { image_info: info("a.img", imgA) });
    await t.dispatch("write_image", { image_info: info("a.img", imgA), configdrive });
    const again = await t.dispatch("write_image", { image_info: info("a.img", imgA), configdrive });
    expect(again.result.image_cached).toBeUndefined();
    expect(again.result.bytes_written).toBeGreaterThan(iso.length);
  });

  test("another image is written as usual", async () => {
    await t.dispatch("cache_image", { image_info: info("a.img", imgA) });
    const before = downloads("b.img");
    const { result } = await t.dispatch("write_image", { image_info: info("b.img", imgB), configdrive });
    expect(result.image_cached).toBeUndefined();
    expect(downloads("b.img")).toBeGreaterThan(before);
    expect(sha256(loop.read(2048 * 512, 2 * MiB))).toBe(sha256(imgB.subarray(2048 * 512, 2048 * 512 + 2 * MiB)));
  });

  test("the disk's OS is known to come from the cache (for a preloaded kexec) until the disk changes or another image is written", async () => {
    await t.dispatch("cache_image", { image_info: info("a.img", imgA) });
    const at = cachedImageOnDisk(t.base, loop.path);
    expect(at).toBeString();
    await t.dispatch("write_image", { image_info: info("a.img", imgA), configdrive });
    expect(cachedImageOnDisk(t.base, loop.path)).toBe(at);
    expect(cachedImageOnDisk(t.base, "/dev/other")).toBeNull();
    const f = Bun.spawnSync(["dd", "if=/dev/urandom", `of=${loop.path}`, "bs=4096", "count=1", "seek=1", "conv=notrunc,fsync", "status=none"]);
    expect(f.exitCode).toBe(0);
    expect(cachedImageOnDisk(t.base, loop.path)).toBeNull();
    await t.dispatch("cache_image", { image_info: info("a.img", imgA) });
    await t.dispatch("write_image", { image_info: info("b.img", imgB), configdrive });
    expect(cachedImageOnDisk(t.base, loop.path)).toBeNull();
  });

  test("cleaning (erase_devices_metadata) makes the agent forget: the image is written again", async () => {
    await t.dispatch("cache_image", { image_info: info("a.img", imgA) });
    await t.dispatch("erase_devices_metadata", {});
    const before = downloads("a.img");
    const { result } = await t.dispatch("write_image", { image_info: info("a.img", imgA), configdrive });
    expect(result.image_cached).toBeUndefined();
    expect(downloads("a.img")).toBeGreaterThan(before);
  });

  test("a disk changed behind the agent's back is not trusted: the image is written again", async () => {
    await t.dispatch("cache_image", { image_info: info("a.img", imgA) });
    const f = Bun.spawnSync(["dd", "if=/dev/urandom", `of=${loop.path}`, "bs=4096", "count=1", "seek=1", "conv=notrunc,fsync", "status=none"]);
    expect(f.exitCode).toBe(0);
    const before = downloads("a.img");
    const { result } = await t.dispatch("write_image", { image_info: info("a.img", imgA), configdrive });
    expect(result.image_cached).toBeUndefined();
    expect(downloads("a.img")).toBeGreaterThan(before);
  });

  test("cache_image of the image already cached answers at once without writing", async () => {
    await t.dispatch("cache_image", { image_info: info("a.img", imgA) });
    const before = downloads("a.img");
    const { result } = await t.dispatch("cache_image", { image_info: info("a.img", imgA) });
    expect(result.image_cached).toBe(true);
    expect(result.bytes_written).toBe(0);
    expect(downloads("a.img")).toBe(before);
  });
});
