/**
 * @module agent/image/wipe
 * After a failed write the disk must not boot a half-written image: zero its head (MBR,
 * primary GPT, boot loader area) and its tail (backup GPT), flush, and tell the kernel.
 */
import fs from "node:fs";
import type { Logger } from "../../common/logger.ts";
import { flushBuffers, rereadPartitions } from "./block-ioctl.ts";

/** Bytes zeroed at each end; covers MBR + GPT (34 sectors) and GRUB's embedding area. */
export const WIPE_BYTES = 1 << 20;

/**
 * Zeroes the first and last MiB of `path`. Never throws: returns what went wrong, so the
 * caller can report the original failure.
 * @example
 * const r = wipeHeadAndTail("/dev/sda", size, logger); if (!r.ok) log.error(r.error);
 */
export function wipeHeadAndTail(path: string, size: number, logger: Logger): { ok: boolean; error?: string } {
  let fd: number | null = null;
  try {
    fd = fs.openSync(path, fs.constants.O_WRONLY);
    const zeros = Buffer.alloc(Math.min(WIPE_BYTES, size));
    fs.writeSync(fd, zeros, 0, zeros.length, 0);
    if (size > zeros.length) fs.writeSync(fd, zeros, 0, zeros.length, size - zeros.length);
    fs.fsyncSync(fd);
    flushBuffers(fd);
    rereadPartitions(fd);
    logger.warn({ device: path }, "wiped head and tail of the disk after a failed image write");
    return { ok: true };
  } catch (error) {
    logger.error({ device: path, err: error }, "could not wipe the disk after a failed image write");
    return { ok: false, error: (error as Error).message };
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
