/**
 * @module machine/image/disk-fingerprint
 * A cheap identity of what a disk holds: its size and a SHA-256 of its first and last MiB
 * (partition tables, GPT backup header, boot code). An image written and verified earlier
 * is still in place when the fingerprint is unchanged: erasing metadata, repartitioning,
 * another image or another disk at the same path all change it. Not a re-verification of
 * every byte: between the write and the reuse only the agent, which wrote it, runs there.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import { blockDeviceSize } from "./block-ioctl.ts";

const SPAN = 1 << 20;

/**
 * @example
 * const before = diskFingerprint("/dev/vda"); // "6442450944:3f1c..."
 */
export function diskFingerprint(device: string): string {
  const fd = fs.openSync(device, "r");
  try {
    const size = blockDeviceSize(fd) ?? fs.fstatSync(fd).size;
    const hash = createHash("sha256");
    const buf = Buffer.alloc(Math.min(SPAN, size));
    for (const offset of size > SPAN ? [0, size - SPAN] : [0]) {
      const n = fs.readSync(fd, buf, 0, buf.length, offset);
      hash.update(buf.subarray(0, n));
    }
    return `${size}:${hash.digest("hex")}`;
  } finally {
    fs.closeSync(fd);
  }
}
