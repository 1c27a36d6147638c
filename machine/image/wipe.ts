/**
 * @module machine/image/wipe
 * After a failed write the disk must not boot a half-written image: zero its head (MBR,
 * primary GPT, boot loader area) and its tail (backup GPT), flush, and tell the kernel.
 */
import fs from "node:fs";
import type { Logger } from "../../common/logger.ts";
import { flushBuffers, rereadPartitions } from "./block-ioctl.ts";

/** Bytes zeroed at each end; covers MBR + GPT (34 sectors) and GRUB's embedding area. */
export const WIPE_BYTES = 1 << 20;

export interface WipeOptions {
  /** Start of the region within `path` (a partition on the whole disk); default 0. */
  offset?: number;
  /** For the log line; default "after a failed image write". */
  reason?: string;
}

/**
 * Zeroes the first and last MiB of `path` (or of the `size`-byte region at `offset`). Never
 * throws: returns what went wrong, so the caller can report the original failure.
 * @example
 * const r = wipeHeadAndTail("/dev/sda", size, logger); if (!r.ok) log.error(r.error);
 */
export function wipeHeadAndTail(path: string, size: number, logger: Logger, options: WipeOptions = {}): { ok: boolean; error?: string } {
  const offset = options.offset ?? 0;
  let fd: number | null = null;
  try {
    fd = fs.openSync(path, fs.constants.O_WRONLY);
    const zeros = Buffer.alloc(Math.min(WIPE_BYTES, size));
    fs.writeSync(fd, zeros, 0, zeros.length, offset);
    if (size > zeros.length) fs.writeSync(fd, zeros, 0, zeros.length, offset + size - zeros.length);
    fs.fsyncSync(fd);
    flushBuffers(fd);
    rereadPartitions(fd);
    logger.warn({ device: path, offset, bytes: size }, `wiped head and tail ${options.reason ?? "after a failed image write"}`);
    return { ok: true };
  } catch (error) {
    logger.error({ device: path, err: error }, "could not wipe the disk after a failed image write");
    return { ok: false, error: (error as Error).message };
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
