/**
 * @module test/support/loop-device
 * Real block devices for tests that write or erase disks: sparse files attached with
 * losetup (needs root). Sizes are in bytes. With `partscan` the kernel gives the device
 * partition nodes (`losetup -P`), as partition images need. Callers must `detach()` (in
 * afterAll / finally) so no loop device outlives the test run.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Disk } from "../../protocol/inventory.ts";

const MiB = 1024 * 1024;

export interface LoopDevice {
  /** `/dev/loopN`. */
  readonly path: string;
  /** The sparse backing file. */
  readonly file: string;
  /** Size in bytes. */
  readonly size: number;
  /** The device as an inventory disk (for contexts whose inventory lists it). */
  readonly disk: Disk;
  /** Reads `length` bytes at `offset` from the device, bypassing stale caches. */
  read(offset: number, length: number): Buffer;
  /** Fills the whole device with `byte` (to prove the writer zeroes what it must). */
  fill(byte: number): void;
  detach(): void;
}

/** Runs a command synchronously and returns stdout; throws with stderr when it fails. */
export function sh(cmd: string[], input?: Uint8Array): string {
  const r = Bun.spawnSync(cmd, { stdin: input ?? "ignore", stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")}: exit ${r.exitCode}: ${r.stderr.toString()}`);
  return r.stdout.toString();
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

let counter = 0;

/**
 * @example
 * const loop = createLoopDevice(16 << 20); try { ... } finally { loop.detach(); }
 * const disk = createLoopDevice(1 << 30, { partscan: true }); // partition nodes /dev/loopNpM
 * const ro = createLoopDevice(64 << 20, { readOnly: true });
 * const ram = createLoopDevice(64 << 20, { backingDir: "/dev/shm" }); // no write-zeroes offload
 */
export function createLoopDevice(size: number, options: { partscan?: boolean; readOnly?: boolean; backingDir?: string } = {}): LoopDevice {
  // A directory per device: test files share this module (one Bun process), so nothing here
  // may be removed by one file's cleanup while another file still uses it.
  const dir = fs.mkdtempSync(path.join(options.backingDir ?? os.tmpdir(), "teeth-loop-"));
  const file = path.join(dir, `disk${counter++}.img`);
  fs.writeFileSync(file, "");
  fs.truncateSync(file, size);
  const flags = [...(options.readOnly ? ["-r"] : []), ...(options.partscan ? ["-P"] : [])];
  const dev = execFileSync("losetup", ["-f", "--show", ...flags, file]).toString().trim();
  if (options.partscan) removeStalePartitionNodes(dev);
  const disk: Disk = {
    name: dev, model: "loop", size, rotational: false, wwn: null, serial: `serial-${counter}`,
    vendor: null, wwn_with_extension: null, wwn_vendor_extension: null, hctl: null, by_path: null,
    logical_sectors: 512, physical_sectors: 512, tran: null,
  };
  let attached = true;
  return {
    path: dev,
    file,
    size,
    disk,
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
        const chunk = Buffer.alloc(MiB, byte);
        for (let at = 0; at < size; at += chunk.length) fs.writeSync(fd, chunk, 0, Math.min(chunk.length, size - at), at);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    },
    detach() {
      if (!attached) return;
      attached = false;
      try {
        Bun.spawnSync(["umount", "-l", dev]);
        execFileSync("losetup", ["-d", dev]);
        // Nodes made by makePartitionNodes (a static /dev has no udev to remove them).
        for (const node of Array.from(new Bun.Glob(`${path.basename(dev)}p*`).scanSync({ cwd: "/dev", onlyFiles: false }))) {
          fs.rmSync(`/dev/${node}`, { force: true });
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Fills the first `size` bytes (whole MiB) of the device with random bytes, so "it's zero" can't be true by accident. */
export function fillRandom(devicePath: string, size: number): void {
  sh(["dd", "if=/dev/urandom", `of=${devicePath}`, "bs=1M", `count=${Math.ceil(size / MiB)}`, "oflag=direct", "status=none"]);
}

/** Offset of the first non-zero byte of the whole device, or -1; read buffered after a cache flush. */
export async function firstNonZero(devicePath: string): Promise<number> {
  sh(["blockdev", "--flushbufs", devicePath]);
  const data = new Uint8Array(await Bun.file(devicePath).arrayBuffer());
  return data.findIndex((b) => b !== 0);
}

/**
 * Creates /dev nodes for the device's partitions. The RAM disk's devtmpfs does this by itself;
 * this test container's /dev is static and has no udev.
 */
export function makePartitionNodes(devicePath: string): string[] {
  const name = devicePath.replace("/dev/", "");
  const made: string[] = [];
  for (const entry of Array.from(new Bun.Glob(`${name}p*`).scanSync({ cwd: `/sys/class/block/${name}`, onlyFiles: false }))) {
    const node = `/dev/${entry}`;
    const [major, minor] = sh(["cat", `/sys/class/block/${entry}/dev`]).trim().split(":");
    Bun.spawnSync(["rm", "-f", node]);
    sh(["mknod", node, "b", major!, minor!]);
    made.push(node);
  }
  return made;
}

/** True when the bytes carry an MBR boot signature or a GPT header. */
export function hasPartitionTable(head: Buffer, tail: Buffer): boolean {
  const mbr = head[510] === 0x55 && head[511] === 0xaa;
  const gpt = head.subarray(512, 520).toString("latin1") === "EFI PART";
  const backup = tail.subarray(tail.length - 512, tail.length - 504).toString("latin1") === "EFI PART";
  return mbr || gpt || backup;
}
