/**
 * @module test/erase/loop-device
 * Real block devices for erase tests: sparse files attached with losetup. Callers must
 * `detach()` (in afterAll) so no loop device outlives the test run.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Disk } from "../../protocol/inventory.ts";

export interface LoopDevice {
  path: string;
  backing: string;
  sizeBytes: number;
  disk: Disk;
  detach(): void;
}

/** Runs a command synchronously and returns stdout; throws with stderr when it fails. */
export function sh(cmd: string[], input?: Uint8Array): string {
  const r = Bun.spawnSync(cmd, { stdin: input ?? "ignore", stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")}: exit ${r.exitCode}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

let counter = 0;

/**
 * @example
 * const dev = createLoopDevice(64, { readOnly: true });
 * afterAll(() => dev.detach());
 */
export function createLoopDevice(sizeMiB: number, options: { readOnly?: boolean; partscan?: boolean } = {}): LoopDevice {
  // A directory per device: test files share this module (one Bun process), so nothing here
  // may be removed by one file's cleanup while another file still uses it.
  const dir = mkdtempSync(join(tmpdir(), "teeth-loop-"));
  const backing = join(dir, `disk${counter++}.img`);
  sh(["truncate", "-s", `${sizeMiB}M`, backing]);
  const flags = [...(options.readOnly ? ["-r"] : []), ...(options.partscan ? ["-P"] : [])];
  const path = sh(["losetup", "-f", "--show", ...flags, backing]).trim();
  const sizeBytes = sizeMiB * 1024 * 1024;
  const disk: Disk = {
    name: path, model: "loop", size: sizeBytes, rotational: false, wwn: null, serial: `serial-${counter}`,
    vendor: null, wwn_with_extension: null, wwn_vendor_extension: null, hctl: null, by_path: null,
    logical_sectors: 512, physical_sectors: 512, tran: null,
  };
  let attached = true;
  return {
    path, backing, sizeBytes, disk,
    detach() {
      if (!attached) return;
      attached = false;
      Bun.spawnSync(["umount", "-l", path]);
      Bun.spawnSync(["losetup", "-d", path]);
      for (const node of Array.from(new Bun.Glob(`${path.replace("/dev/", "")}p*`).scanSync({ cwd: "/dev", onlyFiles: false }))) {
        rmSync(`/dev/${node}`, { force: true });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fills the device with random bytes (so "it's zero" can't be true by accident). */
export function fillRandom(path: string, sizeMiB: number): void {
  sh(["dd", "if=/dev/urandom", `of=${path}`, "bs=1M", `count=${sizeMiB}`, "oflag=direct", "status=none"]);
}

/** Offset of the first non-zero byte of the whole device, or -1; read with O_DIRECT-free buffered IO after a cache drop. */
export async function firstNonZero(path: string): Promise<number> {
  sh(["blockdev", "--flushbufs", path]);
  const data = new Uint8Array(await Bun.file(path).arrayBuffer());
  return data.findIndex((b) => b !== 0);
}

/**
 * Creates /dev nodes for the device's partitions. The RAM disk's devtmpfs does this by itself;
 * this test container's /dev is static and has no udev.
 */
export function makePartitionNodes(path: string): string[] {
  const name = path.replace("/dev/", "");
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
