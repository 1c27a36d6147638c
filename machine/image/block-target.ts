/**
 * @module machine/image/block-target
 * The disk being written: opened twice, with O_DIRECT for large aligned writes (no page
 * cache churn, no double copy) and without it for the odd unaligned tail. Writes run on
 * Bun's I/O thread pool (async `fs.write`), so the download and the hash keep going.
 */
import fs from "node:fs";
import { ptr } from "bun:ffi";
import { ImageErrors } from "./errors.ts";
import { blockDeviceSize, blockZeroOut, fileZeroRange, logicalSectorSize, flushBuffers } from "./block-ioctl.ts";

const O_DIRECT = 0o40000;
/** Alignment used for O_DIRECT: a page covers every logical sector size in use. */
export const DIRECT_ALIGN = 4096;

/**
 * A `size`-byte view whose address is `align`-aligned, as O_DIRECT requires.
 * @example
 * const buf = allocAligned(8 << 20);
 */
export function allocAligned(size: number, align = DIRECT_ALIGN): Uint8Array {
  const raw = new Uint8Array(size + align);
  const shift = (align - (ptr(raw) % align)) % align;
  return raw.subarray(shift, shift + size);
}

function isAligned(buf: Uint8Array, offset: number): boolean {
  return offset % DIRECT_ALIGN === 0 && buf.length % DIRECT_ALIGN === 0 && ptr(buf) % DIRECT_ALIGN === 0;
}

export interface BlockTarget {
  readonly path: string;
  /** Bytes the target holds. */
  readonly size: number;
  readonly isBlockDevice: boolean;
  /** O_DIRECT available. */
  readonly direct: boolean;
  /** Writes all of `buf` at `offset`. ENOSPC becomes ImageDiskFull. */
  write(buf: Uint8Array, offset: number): Promise<void>;
  /** Makes `[offset, offset+length)` read back as zeros, as cheaply as the device allows. */
  zeroOut(offset: number, length: number): Promise<"ioctl" | "written">;
  /** fsync: nothing succeeds before the data is on the disk. */
  sync(): Promise<void>;
  close(): void;
}

function writeAll(fd: number, buf: Uint8Array, offset: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = 0;
    const step = () =>
      fs.write(fd, buf, done, buf.length - done, offset + done, (error, written) => {
        if (error) return reject(error);
        if (written === 0) return reject(Object.assign(new Error("no space left on device"), { code: "ENOSPC" }));
        done += written;
        if (done < buf.length) step();
        else resolve();
      });
    step();
  });
}

let zeroChunk: Uint8Array | null = null;
/** Bytes per write when zeros are written out (an aligned buffer allocated once, on first use). */
const ZERO_CHUNK = 4 << 20;

/**
 * True when the device offloads write-zeroes (sysfs `queue/write_zeroes_max_bytes` > 0; a
 * partition reads its disk's). Unknown counts as offloaded: the ioctl is still correct.
 */
export function writeZeroesOffloaded(rdev: number): boolean {
  const major = Math.floor(rdev / 256) & 0xfff;
  const minor = (rdev & 0xff) | (Math.floor(rdev / 4096) & 0xfff00);
  for (const dir of [`/sys/dev/block/${major}:${minor}/queue`, `/sys/dev/block/${major}:${minor}/../queue`]) {
    try {
      return Number(fs.readFileSync(`${dir}/write_zeroes_max_bytes`, "utf8").trim()) > 0;
    } catch {
      // Not this level (a partition has no queue of its own): try the parent.
    }
  }
  return true;
}

/**
 * Opens `path` for writing. Throws ImageDeviceIo when it cannot. `zeroOffload` overrides
 * what sysfs says about the device's write-zeroes support (tests).
 * @example
 * const target = openBlockTarget("/dev/sda");
 * await target.write(buf, 0); await target.sync(); target.close();
 */
export function openBlockTarget(path: string, options: { zeroOffload?: boolean } = {}): BlockTarget {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_WRONLY);
  } catch (error) {
    throw ImageErrors.deviceIo(path, "open", error);
  }
  const stat = fs.fstatSync(fd);
  const isBlockDevice = stat.isBlockDevice();
  const size = isBlockDevice ? (blockDeviceSize(fd) ?? 0) : stat.size;
  let directFd: number | null = null;
  try {
    directFd = fs.openSync(path, fs.constants.O_WRONLY | O_DIRECT);
  } catch {
    // tmpfs and some filesystems refuse O_DIRECT; buffered writes + fsync are still correct.
    directFd = null;
  }
  const sector = isBlockDevice ? (logicalSectorSize(fd) ?? 512) : 512;
  // Without offload, BLKZEROOUT makes the kernel write zero pages itself, synchronously:
  // minutes of a blocked agent on a large disk. Zeros are then written here, asynchronously.
  const zeroIoctl = options.zeroOffload ?? (!isBlockDevice || writeZeroesOffloaded(stat.rdev));
  if (sector > DIRECT_ALIGN && directFd !== null) {
    fs.closeSync(directFd);
    directFd = null;
  }

  const fail = (operation: string, error: unknown): never => {
    if ((error as { code?: string })?.code === "ENOSPC") throw ImageErrors.diskFull(path, -1, size);
    throw ImageErrors.deviceIo(path, operation, error);
  };

  const target: BlockTarget = {
    path,
    size,
    isBlockDevice,
    direct: directFd !== null,
    async write(buf, offset) {
      if (offset + buf.length > size && isBlockDevice) throw ImageErrors.diskFull(path, offset + buf.length, size);
      const useFd = directFd !== null && isAligned(buf, offset) ? directFd : fd;
      try {
        await writeAll(useFd, buf, offset);
      } catch (error) {
        fail("write", error);
      }
    },
    async zeroOut(offset, length) {
      if (length <= 0) return "ioctl";
      if (offset + length > size && isBlockDevice) throw ImageErrors.diskFull(path, offset + length, size);
      const aligned = offset % sector === 0 && length % sector === 0;
      if (aligned && zeroIoctl && (isBlockDevice ? blockZeroOut(fd, offset, length) : fileZeroRange(fd, offset, length))) return "ioctl";
      zeroChunk ??= allocAligned(ZERO_CHUNK);
      for (let at = offset; at < offset + length; at += zeroChunk.length) {
        const n = Math.min(zeroChunk.length, offset + length - at);
        await target.write(zeroChunk.subarray(0, n), at);
      }
      return "written";
    },
    async sync() {
      try {
        await new Promise<void>((resolve, reject) => fs.fsync(fd, (e) => (e ? reject(e) : resolve())));
        if (directFd !== null) await new Promise<void>((resolve, reject) => fs.fsync(directFd!, (e) => (e ? reject(e) : resolve())));
      } catch (error) {
        fail("fsync", error);
      }
      // A later reader (blkid, sgdisk, the test) must see the disk, not stale cached pages.
      if (isBlockDevice) flushBuffers(fd);
    },
    close() {
      for (const f of [fd, directFd]) {
        if (f === null) continue;
        try {
          fs.closeSync(f);
        } catch {
          // Already closed: nothing to release.
        }
      }
    },
  };
  return target;
}
