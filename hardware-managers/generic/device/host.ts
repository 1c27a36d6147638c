/**
 * @module hardware-managers/generic/device/host
 * The seam to the host's files (/sys, /proc, block devices), so erase logic can be exercised
 * against real loop devices or a fake tree without monkey-patching.
 */
import { open, readFile, readdir, realpath } from "node:fs/promises";

export interface HostFs {
  /** File contents, or null when it does not exist or cannot be read. */
  readText(path: string): Promise<string | null>;
  /** Entry names, or [] when the directory does not exist. */
  listDir(path: string): Promise<string[]>;
  /** Canonical path, or null. */
  realpath(path: string): Promise<string | null>;
  /** Reads `length` bytes at `offset` of a file or device; null on error. */
  readAt(path: string, offset: number, length: number): Promise<Uint8Array | null>;
  /** Writes bytes at `offset` and flushes them to the device. */
  writeAt(path: string, offset: number, data: Uint8Array): Promise<void>;
}

/**
 * The real filesystem.
 * @example
 * const ro = (await realHostFs.readText("/sys/class/block/sda/ro"))?.trim() === "1";
 */
export const realHostFs: HostFs = Object.freeze({
  async readText(path: string) {
    try {
      return await readFile(path, "utf8");
    } catch {
      return null;
    }
  },
  async listDir(path: string) {
    try {
      return await readdir(path);
    } catch {
      return [];
    }
  },
  async realpath(path: string) {
    try {
      return await realpath(path);
    } catch {
      return null;
    }
  },
  async readAt(path: string, offset: number, length: number) {
    let fh;
    try {
      fh = await open(path, "r");
      const buf = new Uint8Array(length);
      const { bytesRead } = await fh.read(buf, 0, length, offset);
      return buf.subarray(0, bytesRead);
    } catch {
      return null;
    } finally {
      await fh?.close();
    }
  },
  async writeAt(path: string, offset: number, data: Uint8Array) {
    const fh = await open(path, "r+");
    try {
      let done = 0;
      while (done < data.length) {
        const { bytesWritten } = await fh.write(data, done, data.length - done, offset + done);
        done += bytesWritten;
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
});
