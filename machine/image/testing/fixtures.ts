/**
 * @module machine/image/testing/fixtures
 * Small test images: random bytes with a real-looking MBR+GPT signature (so a half-written
 * image would boot-look), zero-heavy variants, compressed and qcow2 forms built with the
 * real tools (xz, qemu-img).
 */
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";

/** Random bytes with an MBR signature and a GPT header magic at the front. */
export function randomImage(size: number, zeroRuns: Array<[number, number]> = []): Buffer {
  const b = randomBytes(size);
  for (const [start, length] of zeroRuns) b.fill(0, start, start + length);
  b[510] = 0x55;
  b[511] = 0xaa;
  b.write("EFI PART", 512, "latin1");
  return b;
}

export const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
export const sha512 = (b: Uint8Array) => createHash("sha512").update(b).digest("hex");
export const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");

export const gzip = (b: Uint8Array) => zlib.gzipSync(b, { level: 1 });
export const zstd = (b: Uint8Array) => (zlib as unknown as { zstdCompressSync(b: Uint8Array): Buffer }).zstdCompressSync(b);
export const xz = (b: Uint8Array) => execFileSync("xz", ["-c", "-0", "-T1"], { input: b, maxBuffer: 1 << 30 });

/** Converts raw bytes to qcow2 with qemu-img; `args` e.g. ["-c"] or ["-o", "cluster_size=4096"]. */
export function qcow2(raw: Uint8Array, args: string[] = []): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "teeth-qcow2-"));
  try {
    fs.writeFileSync(path.join(dir, "in.raw"), raw);
    execFileSync("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", ...args, path.join(dir, "in.raw"), path.join(dir, "out.qcow2")]);
    return fs.readFileSync(path.join(dir, "out.qcow2"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A `size`-byte sparse file that `make(file)` turns into an image, read back. */
function madeImage(size: number, make: (file: string) => void): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "teeth-fixture-"));
  try {
    const file = path.join(dir, "image");
    fs.writeFileSync(file, "");
    fs.truncateSync(file, size);
    make(file);
    return fs.readFileSync(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A disk image with a real GPT (one Linux partition) made by sgdisk, then random content. */
export function gptImage(size: number): Buffer {
  const b = madeImage(size, (file) =>
    execFileSync("sgdisk", ["-n", "1:2048:+2M", "-t", "1:8300", "-n", "2:0:+1M", "-t", "2:ef00", file], { stdio: "ignore" }),
  );
  randomBytes(2 << 20).copy(b, 2048 * 512);
  return b;
}

/** A raw ext4 filesystem image of `size` bytes with a known UUID, as a partition image's root. */
export function ext4Image(size: number, uuid: string): Buffer {
  return madeImage(size, (file) =>
    execFileSync("mkfs.ext4", ["-q", "-F", "-U", uuid, "-L", "rootfs", "-E", "nodiscard", file], { stdio: "ignore" }),
  );
}

/** A config drive as cloud-init finds it: a filesystem labelled `config-2` (vfat here; Nova's is usually ISO 9660). */
export function configDriveImage(size: number): Buffer {
  return madeImage(size, (file) => execFileSync("mkfs.vfat", ["-n", "config-2", file], { stdio: "ignore" }));
}
