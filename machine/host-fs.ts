/**
 * @module machine/host-fs
 * The one seam to the host's files: the kernel's view of the machine (/sys, /proc, /dev/disk,
 * /run/udev) and raw reads and writes of block devices. Every path is relative to a root
 * directory, so tests point inventory, erase, firmware and boot-loader code at a small fake
 * tree (or an object literal) instead of monkey-patching `fs`. Reads return `null` (or `[]`,
 * `false`) on any error: a missing file is the normal way sysfs says "no such attribute".
 */
import { lstat, open, readFile, readdir, readlink, realpath, stat } from "node:fs/promises";
import path from "node:path";

/** Access to a filesystem tree rooted at `root`. Paths are absolute inside it. */
export interface HostFs {
  /** The real directory the tree is rooted at ("/" on a live system). */
  readonly root: string;
  /** File contents trimmed of surrounding whitespace, or null when unreadable. */
  text(p: string): Promise<string | null>;
  /** Raw bytes (binary attributes such as SMBIOS entries, SCSI VPD pages), or null. */
  bytes(p: string): Promise<Uint8Array | null>;
  /** Directory entries sorted by name; empty when the directory is missing. */
  list(p: string): Promise<string[]>;
  /** The link's target as stored (relative targets stay relative), or null. */
  link(p: string): Promise<string | null>;
  /** The canonical path inside the tree (root prefix removed), or null. */
  resolve(p: string): Promise<string | null>;
  exists(p: string): Promise<boolean>;
  /** True when `p` exists and is a directory (following links). */
  isDir(p: string): Promise<boolean>;
  /** Reads up to `length` bytes at `offset` of a file or block device; null on error. */
  readAt(p: string, offset: number, length: number): Promise<Uint8Array | null>;
  /** Writes bytes at `offset` and flushes them to the device; rejects on error (a write that fails must be seen). */
  writeAt(p: string, offset: number, data: Uint8Array): Promise<void>;
}

/**
 * Creates the reader for a tree.
 * @example
 * const fs = createHostFs("/");                       // live system (or realHostFs)
 * const fake = createHostFs("test/fixtures/inventory/server-a");
 * await fake.text("/sys/block/sda/size");             // "7814037168"
 */
export function createHostFs(root = "/"): HostFs {
  const base = path.resolve(root);
  const abs = (p: string) => path.join(base, p);
  /** Any read error means "not there": the fallback. */
  const orElse = async <T>(read: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await read();
    } catch {
      return fallback;
    }
  };
  return {
    root: base,
    text: (p) => orElse(async () => (await readFile(abs(p), "utf8")).trim(), null),
    bytes: (p) => orElse(async () => new Uint8Array(await readFile(abs(p))), null),
    list: (p) => orElse(async () => (await readdir(abs(p))).sort(), [] as string[]),
    link: (p) => orElse(() => readlink(abs(p)), null),
    resolve: (p) =>
      orElse(async () => {
        const real = await realpath(abs(p));
        if (base === "/") return real;
        // Links in a fake tree point inside it; anything else is not part of the tree.
        if (real !== base && !real.startsWith(base + path.sep)) return null;
        return "/" + path.relative(base, real);
      }, null),
    exists: (p) => orElse(async () => (await lstat(abs(p)), true), false),
    isDir: (p) => orElse(async () => (await stat(abs(p))).isDirectory(), false),
    readAt: (p, offset, length) =>
      orElse(async () => {
        const fh = await open(abs(p), "r");
        try {
          const buf = new Uint8Array(length);
          const { bytesRead } = await fh.read(buf, 0, length, offset);
          return buf.subarray(0, bytesRead);
        } finally {
          await fh.close();
        }
      }, null),
    async writeAt(p, offset, data) {
      const fh = await open(abs(p), "r+");
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
  };
}

/** The live system's tree. */
export const realHostFs: HostFs = Object.freeze(createHostFs("/"));

/** Parses an integer attribute; null for missing or non-numeric text. */
export function toInt(text: string | null): number | null {
  if (text === null || !/^-?\d+$/.test(text)) return null;
  return Number.parseInt(text, 10);
}

/** Empty strings become null: sysfs pads or blanks attributes it does not know. */
export function nonEmpty(text: string | null | undefined): string | null {
  const t = text?.trim();
  return t ? t : null;
}
