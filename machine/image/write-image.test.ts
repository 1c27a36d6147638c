/**
 * Integration tests of the engine on a real loop device and a misbehaving local HTTP server.
 * Every failure case also checks that the disk is left with no partition table.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createExec } from "../../common/exec.ts";
import { createSilentLogger } from "../../common/logger.ts";
import type { ImageProgress } from "../../protocol/image-info.ts";
import { writeImage, type WriteImageOptions } from "./index.ts";
import { gzip, md5, qcow2, randomImage, sha256, sha512, xz, zstd } from "./testing/fixtures.ts";
import { startImageServer, type ImageServer } from "./testing/image-server.ts";
import { createLoopDevice, hasPartitionTable, type LoopDevice } from "../../test/support/loop-device.ts";

const MiB = 1 << 20;
const DEVICE_SIZE = 16 * MiB;
let loop: LoopDevice;
let server: ImageServer;
const logger = createSilentLogger();
const exec = createExec();

// 4 MiB + 3 sectors: not a multiple of any buffer or cluster size.
const image = randomImage(4 * MiB + 1536);
const zeroImage = randomImage(6 * MiB, [
  [1 * MiB, 2 * MiB],
  [3 * MiB + 4096, 2 * MiB + 512 * 1024],
]);

beforeAll(async () => {
  loop = createLoopDevice(DEVICE_SIZE);
  server = await startImageServer();
});
afterAll(async () => {
  await server?.close();
  loop?.detach();
});
beforeEach(() => loop.fill(0xa5));

function options(path: string, body: Uint8Array, extra: Partial<WriteImageOptions> & { info?: object } = {}): WriteImageOptions {
  const { info, ...rest } = extra;
  return {
    device: loop.path,
    imageInfo: { id: path.slice(1), urls: [server.url(path)], os_hash_algo: "sha256", os_hash_value: sha256(body), ...info },
    logger,
    exec,
    download: { connectionTimeoutS: 2, connectionRetries: 3, retryIntervalS: 0.05, maxDurationS: 0 },
    ...rest,
  };
}

function expectOnDisk(plain: Uint8Array) {
  expect(sha256(loop.read(0, plain.length))).toBe(sha256(plain));
}

function expectWiped() {
  expect(hasPartitionTable(loop.read(0, MiB), loop.read(DEVICE_SIZE - MiB, MiB))).toBe(false);
  expect(loop.read(0, MiB).every((b) => b === 0)).toBe(true);
}

async function expectFailure(opts: WriteImageOptions, code: string | string[]) {
  let error: unknown;
  try {
    await writeImage(opts);
  } catch (e) {
    error = e;
  }
  const got = String((error as { code?: string })?.code);
  expect([code].flat().includes(got) ? code : got).toEqual(code);
  expectWiped();
}

describe("formats", () => {
  test("raw, byte-identical, with progress", async () => {
    server.put("/raw.img", image);
    const seen: ImageProgress[] = [];
    const r = await writeImage(options("/raw.img", image, { onProgress: (p) => seen.push(p) }));
    expectOnDisk(image);
    expect(r).toMatchObject({ format: "raw", compression: null, image_size: image.length, bytes_downloaded: image.length });
    expect(r.checksum).toEqual({ algo: "sha256", value: sha256(image), verified: true });
    expect(seen.at(-1)).toMatchObject({ stage: "done", bytes_downloaded: image.length, total_bytes: image.length });
  });

  test("zero runs are zeroed, not written, and read back as zeros over old data", async () => {
    server.put("/zeros.img", zeroImage);
    const r = await writeImage(options("/zeros.img", zeroImage));
    expectOnDisk(zeroImage);
    expect(r.bytes_zeroed).toBeGreaterThanOrEqual(4 * MiB);
    expect(r.bytes_written).toBeLessThanOrEqual(2 * MiB + 64 * 1024);
  });

  for (const [name, pack] of [
    ["gzip", gzip],
    ["xz", xz],
    ["zstd", zstd],
  ] as const) {
    test(`${name}-compressed raw`, async () => {
      const packed = pack(zeroImage);
      server.put(`/img.${name}`, packed);
      const r = await writeImage(options(`/img.${name}`, packed, { info: { disk_format: "raw" } }));
      expectOnDisk(zeroImage);
      expect(r).toMatchObject({ format: "raw", compression: name, image_size: zeroImage.length, bytes_downloaded: packed.length });
    });
  }

  test("qcow2 with HTTP Range: metadata by range, data streamed", async () => {
    const q = qcow2(zeroImage);
    server.put("/disk.qcow2", q);
    const r = await writeImage(options("/disk.qcow2", q, { info: { disk_format: "qcow2" } }));
    expectOnDisk(zeroImage);
    expect(r).toMatchObject({ format: "qcow2", qcow2_metadata: "range", image_size: zeroImage.length });
    expect(server.requests("/disk.qcow2").filter((x) => x.range).length).toBeGreaterThanOrEqual(2);
  });

  test("qcow2 with compressed clusters, 4 KiB clusters, unaligned size", async () => {
    const raw = zeroImage.subarray(0, 5 * MiB + 2560);
    const q = qcow2(raw, ["-c", "-o", "cluster_size=4096"]);
    server.put("/c.qcow2", q);
    const r = await writeImage(options("/c.qcow2", q));
    expectOnDisk(raw);
    expect(r.format).toBe("qcow2");
  });

  test("qcow2 with zstd-compressed clusters", async () => {
    const q = qcow2(zeroImage, ["-c", "-o", "compression_type=zstd"]);
    server.put("/z.qcow2", q);
    await writeImage(options("/z.qcow2", q));
    expectOnDisk(zeroImage);
  });

  test("qcow2 without Range support is streamed", async () => {
    const q = qcow2(image);
    server.put("/norange.qcow2", q, { noRanges: true });
    const r = await writeImage(options("/norange.qcow2", q));
    expectOnDisk(image);
    expect(r.qcow2_metadata).toBe("stream");
  });

  test("gzip-compressed qcow2 is streamed", async () => {
    const q = gzip(qcow2(zeroImage, ["-c"]));
    server.put("/disk.qcow2.gz", q);
    const r = await writeImage(options("/disk.qcow2.gz", q, { info: { disk_format: "qcow2" } }));
    expectOnDisk(zeroImage);
    expect(r).toMatchObject({ format: "qcow2", compression: "gzip", qcow2_metadata: "stream" });
  });
});

describe("checksums", () => {
  test("sha512 inferred from a bare checksum value", async () => {
    server.put("/s512.img", image);
    const o = options("/s512.img", image);
    o.imageInfo = { id: "s512", urls: [server.url("/s512.img")], checksum: sha512(image) };
    expect((await writeImage(o)).checksum.algo).toBe("sha512");
  });

  test("checksum URL file picks the image's line", async () => {
    server.put("/sums.img", image);
    server.put("/SHA256SUMS", Buffer.from(`${"0".repeat(64)}  other.img\n${sha256(image)} *sums.img\n`));
    const o = options("/sums.img", image);
    o.imageInfo = { id: "sums", urls: [server.url("/sums.img")], checksum: server.url("/SHA256SUMS") };
    await writeImage(o);
    expectOnDisk(image);
  });

  test("md5 only when allowed; refused before the disk is touched", async () => {
    server.put("/md5.img", image);
    const o = options("/md5.img", image, { info: { os_hash_algo: "md5", os_hash_value: md5(image) } });
    await expect(writeImage(o)).rejects.toMatchObject({ code: "ImageChecksumUnsupported" });
    expect(loop.read(0, 4096).every((b) => b === 0xa5)).toBe(true);
    await writeImage({ ...o, md5Allowed: true });
    expectOnDisk(image);
  });

  test("wrong checksum fails and wipes", async () => {
    server.put("/bad.img", image);
    await expectFailure(options("/bad.img", image, { info: { os_hash_value: sha256(zeroImage) } }), "ImageChecksumMismatch");
  });

  test("invalid image_info fails before the disk is touched", async () => {
    const o = options("/x.img", image);
    o.imageInfo = { id: "x", urls: [] };
    await expect(writeImage(o)).rejects.toMatchObject({ code: "ImageInfoInvalid" });
    expect(loop.read(0, 4096).every((b) => b === 0xa5)).toBe(true);
  });
});

describe("broken transfers", () => {
  test("a connection dropped mid-way is resumed with Range, byte-identical", async () => {
    server.put("/drop.img", image, { dropAt: [1 * MiB + 77, 3 * MiB] });
    const r = await writeImage(options("/drop.img", image));
    expectOnDisk(image);
    expect(r.resumes).toBe(2);
    expect(server.requests("/drop.img").map((x) => x.range)).toEqual([null, expect.stringMatching(/^bytes=\d+-$/), expect.stringMatching(/^bytes=\d+-$/)]);
  });

  test("a drop on a server without Range re-reads and skips what it has", async () => {
    server.put("/drop-norange.img", image, { dropAt: [2 * MiB], noRanges: true });
    const r = await writeImage(options("/drop-norange.img", image));
    expectOnDisk(image);
    expect(r.resumes).toBe(1);
  });

  test("a drop inside a compressed stream resumes transparently", async () => {
    const packed = zstd(zeroImage);
    server.put("/drop.zst", packed, { dropAt: [Math.floor(packed.length / 2)] });
    await writeImage(options("/drop.zst", packed));
    expectOnDisk(zeroImage);
  });

  test("a stalled connection is resumed after connectionTimeoutS", async () => {
    server.put("/stall.img", image, { stallAt: [2 * MiB] });
    const r = await writeImage(options("/stall.img", image, { download: { connectionTimeoutS: 0.5, connectionRetries: 2, retryIntervalS: 0.05, maxDurationS: 0 } }));
    expectOnDisk(image);
    expect(r.resumes).toBe(1);
  });

  test("a stream that always ends early fails after the retries, and wipes", async () => {
    server.put("/trunc.img", image, { truncateAt: 3 * MiB });
    await expectFailure(options("/trunc.img", image), "ImageShortRead");
    expect(server.requests("/trunc.img").length).toBe(4);
  });

  test("a Content-Length larger than the body fails, and wipes", async () => {
    server.put("/lie.img", image, { lieLength: 4096 });
    // Depending on where the resume lands: 416 for the missing tail, or a size that changed.
    await expectFailure(options("/lie.img", image), ["ImageHttpStatus", "ImageLengthMismatch"]);
  });

  test("a Content-Length smaller than the body fails, and wipes", async () => {
    server.put("/lie2.img", image, { lieLength: -4096 });
    await expectFailure(options("/lie2.img", image), "ImageChecksumMismatch");
  });

  test("an unreachable URL fails after the retries", async () => {
    const o = options("/x.img", image);
    o.imageInfo = { ...(o.imageInfo as object), urls: ["http://127.0.0.1:1/x.img"] };
    await expectFailure(o, "ImageConnectionFailed");
  });

  test("a 404 is not retried; the next URL is tried", async () => {
    server.put("/good.img", image);
    const o = options("/good.img", image);
    o.imageInfo = { ...(o.imageInfo as object), urls: [server.url("/missing.img"), server.url("/good.img")] };
    const r = await writeImage(o);
    expect(r.url).toBe(server.url("/good.img"));
    expect(server.requests("/missing.img").length).toBe(1);
    expectOnDisk(image);
  });
});

describe("refusals", () => {
  test("qcow2 declared raw is refused (CVE-2024-44082)", async () => {
    const q = qcow2(image);
    server.put("/sneaky.img", q);
    await expectFailure(options("/sneaky.img", q, { info: { disk_format: "raw" } }), "ImageFormatMismatch");
  });

  test("a format outside the conductor's permitted_image_formats is refused, and wipes", async () => {
    const q = qcow2(image);
    server.put("/notallowed.qcow2", q);
    await expectFailure(options("/notallowed.qcow2", q, { permittedFormats: ["raw", "gpt"] }), "ImageFormatNotPermitted");
    // `gpt` alone admits a raw image with a GPT (every test image has one), not a bare raw one
    server.put("/gpt.img", image);
    await writeImage(options("/gpt.img", image, { permittedFormats: ["gpt"] }));
    expectOnDisk(image);
    const bare = Buffer.from(image);
    bare.fill(0x11, 0, 1024);
    server.put("/bare.img", bare);
    await expectFailure(options("/bare.img", bare, { permittedFormats: ["gpt"] }), "ImageFormatNotPermitted");
  });

  test("raw declared qcow2 is refused", async () => {
    server.put("/notq.qcow2", image);
    await expectFailure(options("/notq.qcow2", image, { info: { disk_format: "qcow2" } }), "ImageFormatMismatch");
  });

  test("an image larger than the disk fails with ImageDiskFull, and wipes", async () => {
    const big = randomImage(DEVICE_SIZE + MiB);
    server.put("/big.img", big);
    await expectFailure(options("/big.img", big), "ImageDiskFull");
  });

  test("a compressed image that inflates past the disk fails with ImageDiskFull, and wipes", async () => {
    const big = gzip(randomImage(DEVICE_SIZE + MiB));
    server.put("/big.gz", big);
    await expectFailure(options("/big.gz", big), "ImageDiskFull");
  });

  test("a qcow2 whose virtual size exceeds the disk fails with ImageDiskFull", async () => {
    const q = qcow2(new Uint8Array(DEVICE_SIZE * 2));
    server.put("/bigv.qcow2", q);
    await expectFailure(options("/bigv.qcow2", q), "ImageDiskFull");
  });
});
