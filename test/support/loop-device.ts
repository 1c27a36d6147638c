/**
 * @module test/support/loop-device
 * A real loop device over a sparse file, for tests that write disks. Needs root. With
 * `partscan` the kernel gives it partition nodes (`losetup -P`), as partition images need.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface LoopDevice {
  readonly path: string;
  readonly file: string;
  readonly size: number;
  /** Reads `length` bytes at `offset` from the device, bypassing stale caches. */
  read(offset: number, length: number): Buffer;
  /** Fills the whole device with `byte` (to prove the writer zeroes what it must). */
  fill(byte: number): void;
  detach(): void;
}

/**
 * Some sandboxes keep /dev nodes of partitions long gone (not devtmpfs's, which it removes);
 * devtmpfs then cannot create the real one. Drop those of this device, and only those.
 */
function removeStalePartitionNodes(dev: string): void {
  const name = path.basename(dev);
  const live = new Set(fs.readdirSync(`/sys/class/block/${name}`).filter((e) => e.startsWith(name)));
  for (const entry of fs.readdirSync("/dev")) {
    if (new RegExp(`^${name}p\\d+$`).test(entry) && !live.has(entry)) fs.rmSync(`/dev/${entry}`, { force: true });
  }
}

/**
 * @example
 * const loop = createLoopDevice(16 << 20); try { ... } finally { loop.detach(); }
 * const disk = createLoopDevice(1 << 30, { partscan: true }); // partition nodes /dev/loopNpM
 * const ram = createLoopDevice(64 << 20, { backingDir: "/dev/shm" }); // no write-zeroes offload
 */
export function createLoopDevice(size: number, options: { partscan?: boolean; backingDir?: string } = {}): LoopDevice {
  const dir = fs.mkdtempSync(path.join(options.backingDir ?? os.tmpdir(), "teeth-image-"));
  const file = path.join(dir, "disk.img");
  fs.writeFileSync(file, "");
  fs.truncateSync(file, size);
  const dev = execFileSync("losetup", ["-f", "--show", ...(options.partscan ? ["-P"] : []), file]).toString().trim();
  if (options.partscan) removeStalePartitionNodes(dev);
  return {
    path: dev,
    file,
    size,
    read(offset, length) {
      execFileSync("blockdev", ["--flushbufs", dev]);
      const fd = fs.openSync(dev, "r");
      try {
        const b = Buffer.alloc(length);
        fs.readSync(fd, b, 0, length, offset);
        return b;
      } finally {
        fs.closeSync(fd);
      }
    },
    fill(byte) {
      const fd = fs.openSync(dev, "w");
      try {
        const chunk = Buffer.alloc(1 << 20, byte);
        for (let at = 0; at < size; at += chunk.length) fs.writeSync(fd, chunk, 0, Math.min(chunk.length, size - at), at);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    },
    detach() {
      try {
        execFileSync("losetup", ["-d", dev]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** True when the bytes carry an MBR boot signature or a GPT header. */
export function hasPartitionTable(head: Buffer, tail: Buffer): boolean {
  const mbr = head[510] === 0x55 && head[511] === 0xaa;
  const gpt = head.subarray(512, 520).toString("latin1") === "EFI PART";
  const backup = tail.subarray(tail.length - 512, tail.length - 504).toString("latin1") === "EFI PART";
  return mbr || gpt || backup;
}
