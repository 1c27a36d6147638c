/**
 * @module machine/image/block-ioctl
 * The three block-device ioctls the writer needs, through bun:ffi (libc `ioctl`, `fallocate`):
 * size (`BLKGETSIZE64`), logical sector size (`BLKSSZGET`) and zero-out (`BLKZEROOUT`, the
 * kernel's write-zeroes: a loop device turns it into `fallocate` on its file, a disk into
 * WRITE ZEROES / a discard that reads back zero). Each call returns a value, never throws:
 * `null`/`false` means "not available here", and the caller falls back.
 */
import { dlopen, FFIType, ptr } from "bun:ffi";

const BLKGETSIZE64 = 0x80081272;
const BLKSSZGET = 0x1268;
const BLKZEROOUT = 0x127f;
const BLKFLSBUF = 0x1261;
const BLKRRPART = 0x125f;
const FALLOC_FL_ZERO_RANGE = 0x10;

interface Libc {
  ioctl(fd: number, request: number, arg: unknown): number;
  fallocate(fd: number, mode: number, offset: number, length: number): number;
}

let libc: Libc | null | undefined;

function load(): Libc | null {
  if (libc !== undefined) return libc;
  try {
    const lib = dlopen("libc.so.6", {
      ioctl: { args: [FFIType.i32, FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
      fallocate: { args: [FFIType.i32, FFIType.i32, FFIType.i64, FFIType.i64], returns: FFIType.i32 },
    });
    libc = lib.symbols as unknown as Libc;
  } catch {
    // No FFI (unusual libc, restricted build): callers use tools or plain writes instead.
    libc = null;
  }
  return libc;
}

/** Size in bytes of the block device open on `fd`, or null. */
export function blockDeviceSize(fd: number): number | null {
  const c = load();
  if (!c) return null;
  const out = new BigUint64Array(1);
  return c.ioctl(fd, BLKGETSIZE64, ptr(out)) === 0 ? Number(out[0]) : null;
}

/** Logical sector size of the device, or null. */
export function logicalSectorSize(fd: number): number | null {
  const c = load();
  if (!c) return null;
  const out = new Int32Array(1);
  return c.ioctl(fd, BLKSSZGET, ptr(out)) === 0 ? out[0]! : null;
}

/** Zeroes `[offset, offset+length)` on a block device (`BLKZEROOUT`). True on success. */
export function blockZeroOut(fd: number, offset: number, length: number): boolean {
  const c = load();
  if (!c) return false;
  const range = new BigUint64Array([BigInt(offset), BigInt(length)]);
  return c.ioctl(fd, BLKZEROOUT, ptr(range)) === 0;
}

/** Zeroes a range of a regular file (`FALLOC_FL_ZERO_RANGE`). True on success. */
export function fileZeroRange(fd: number, offset: number, length: number): boolean {
  const c = load();
  if (!c) return false;
  return c.fallocate(fd, FALLOC_FL_ZERO_RANGE, offset, length) === 0;
}

/** Drops the device's buffer cache (`BLKFLSBUF`), so a later read sees the disk. */
export function flushBuffers(fd: number): boolean {
  const c = load();
  return c ? c.ioctl(fd, BLKFLSBUF, null) === 0 : false;
}

/** Asks the kernel to re-read the partition table (`BLKRRPART`). */
export function rereadPartitions(fd: number): boolean {
  const c = load();
  return c ? c.ioctl(fd, BLKRRPART, null) === 0 : false;
}
