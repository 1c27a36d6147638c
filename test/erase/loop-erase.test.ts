/**
 * @module test/erase/loop-erase.test
 * Erase on real loop devices: the data is really gone (read back), unsafe devices are
 * refused or skipped, and one failing device does not stop the others.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createExec, type Exec } from "../../common/exec.ts";
import { isTeethError } from "../../common/branded-error.ts";
import { createEraseOperations, type EraseReport } from "../../hardware-managers/generic/erase-ops.ts";
import { realHostFs } from "../../machine/host-fs.ts";
import { defineHardwareManager, HardwareSupport } from "../../hardware-managers/contract/index.ts";
import { createTestContext } from "../../hardware-managers/contract/testing.ts";
import { createLoopDevice, fillRandom, firstNonZero, makePartitionNodes, sh, type LoopDevice } from "../support/loop-device.ts";

const devices: LoopDevice[] = [];
// Real erases on loop devices: seconds on an idle machine, much longer on a shared, loaded one
// (shred of 64 MiB: 0.8 s idle, 13 s at load 10). Durations are reported, never asserted.
setDefaultTimeout(120_000);

const MiB = 1024 * 1024;
const loop = (mib: number, opts?: Parameters<typeof createLoopDevice>[1]) => {
  const d = createLoopDevice(mib * MiB, opts);
  devices.push(d);
  return d;
};
const mountDir = mkdtempSync(join(tmpdir(), "teeth-mnt-"));
afterAll(() => {
  Bun.spawnSync(["umount", "-l", mountDir]);
  for (const d of devices) d.detach();
  rmSync(mountDir, { recursive: true, force: true });
});

const manager = defineHardwareManager({
  name: "test_manager",
  version: "1",
  evaluateSupport: () => HardwareSupport.GENERIC,
  operations: createEraseOperations({ fs: realHostFs }),
});
const harness = async (disks: LoopDevice[], node: Record<string, unknown> | null = null, exec?: Exec) =>
  createTestContext({ managers: [manager], inventory: { disks: disks.map((d) => d.disk) }, node, exec: exec ?? "real", files: "real" });

/** Runs an operation and returns the report whether it succeeded or failed with BlockDeviceEraseError. */
async function erase(disks: LoopDevice[], op: string, args: Record<string, unknown> = {}, node: Record<string, unknown> | null = null, exec?: Exec) {
  const h = await harness(disks, node, exec);
  try {
    const { result } = await h.dispatch(op, args);
    return { ok: true, report: result as EraseReport };
  } catch (error) {
    if (!isTeethError(error) || error.code !== "BlockDeviceEraseError") throw error;
    return { ok: false, report: error.details as EraseReport, message: error.message };
  }
}
const byDevice = (r: EraseReport, d: LoopDevice) => r.devices.find((x) => x.device === d.path)!;

describe("erase really erases", () => {
  test("write-zeroes with full read-back", async () => {
    const d = loop(64);
    fillRandom(d.path, 64 * MiB);
    expect(await firstNonZero(d.path)).toBe(0);
    const { ok, report } = await erase([d], "secure_erase", { method: "zero", verify: "full" });
    expect(ok).toBe(true);
    expect(byDevice(report, d)).toMatchObject({ outcome: "erased", method: "zero" });
    expect(await firstNonZero(d.path)).toBe(-1);
  });

  test("auto on a device with no hardware erase falls to shred (1 pass + zero), data gone", async () => {
    const d = loop(64);
    fillRandom(d.path, 64 * MiB);
    const start = performance.now();
    const { ok, report } = await erase([d], "erase_devices", {}, { driver_info: { agent_erase_devices_iterations: 1 } });
    const seconds = (performance.now() - start) / 1000;
    expect(ok).toBe(true);
    const r = byDevice(report, d);
    expect(r).toMatchObject({ outcome: "erased", method: "shred" });
    // The ladder probed hardware erase first and found none on a loop device.
    expect(r.attempts.map((a) => a.status)).toEqual(["unsupported", "unsupported", "done"]);
    expect(await firstNonZero(d.path)).toBe(-1);
    console.log(`[figure] shred 1 random + 1 zero pass, 64 MiB loop: ${seconds.toFixed(2)} s = ${((2 * 64) / seconds).toFixed(0)} MiB/s written`);
  });

  test("metadata erase removes filesystem and partition table signatures", async () => {
    const d = loop(128, { partscan: true });
    fillRandom(d.path, 128 * MiB);
    sh(["sgdisk", "-n", "1:0:+32M", "-n", "2:0:0", d.path]);
    sh(["mkfs.ext4", "-q", "-F", d.path]); // a filesystem over the whole disk too
    sh(["sgdisk", "-n", "1:0:+32M", "-n", "2:0:0", d.path]);
    sh(["partx", "-a", d.path]); // blockdev --rereadpt is a no-op here
    makePartitionNodes(d.path);
    sh(["mkfs.ext4", "-q", "-F", `${d.path}p1`]);
    expect(sh(["blkid", "-p", "-o", "export", d.path])).toContain("PTTYPE=gpt");
    const start = performance.now();
    const { ok, report } = await erase([d], "erase_devices_metadata");
    const ms = performance.now() - start;
    expect(ok).toBe(true);
    expect(byDevice(report, d)).toMatchObject({ outcome: "erased", method: "metadata" });
    expect(byDevice(report, d).notes.join()).toContain("wiped 2 partition(s)");
    expect(await Bun.file(`/sys/class/block/${d.path.slice(5)}p1/partition`).exists()).toBe(false);
    const probe = Bun.spawnSync(["blkid", "-p", "-o", "export", d.path], { stdout: "pipe" }).stdout.toString();
    expect(probe).not.toContain("PTTYPE");
    expect(probe).not.toContain("TYPE=ext4");
    const head = new Uint8Array(await Bun.file(d.path).slice(0, 1024 * 1024).arrayBuffer());
    const tail = new Uint8Array(await Bun.file(d.path).slice(d.size - 1024 * 1024).arrayBuffer());
    expect(head.every((b) => b === 0) && tail.every((b) => b === 0)).toBe(true);
    // Metadata erase is not a full erase: the middle still holds the old random data.
    expect(await firstNonZero(d.path)).toBeGreaterThan(0);
    console.log(`[figure] erase_devices_metadata, 128 MiB loop with GPT+ext4: ${ms.toFixed(0)} ms per device`);
  });
});

describe("refusals and skips", () => {
  test("mounted device is refused and untouched", async () => {
    const d = loop(64);
    sh(["mkfs.ext4", "-q", "-F", d.path]);
    sh(["mount", d.path, mountDir]);
    try {
      const { ok, report } = await erase([d], "secure_erase", { method: "zero" });
      expect(ok).toBe(false);
      const r = byDevice(report, d);
      expect(r.outcome).toBe("refused");
      expect(r.reasons.join()).toContain(`mounted at ${mountDir}`);
      expect(r.attempts).toEqual([]);
    } finally {
      sh(["umount", mountDir]);
    }
    expect(sh(["blkid", "-p", "-o", "export", d.path])).toContain("TYPE=ext4");
  });

  test("read-only device is refused, or skipped when agent_erase_skip_read_only", async () => {
    const d = loop(64, { readOnly: true });
    const refused = await erase([d], "erase_devices_metadata");
    expect(refused.ok).toBe(false);
    expect(byDevice(refused.report, d).outcome).toBe("refused");
    expect(byDevice(refused.report, d).reasons.join()).toContain("read-only");
    const skipped = await erase([d], "erase_devices_metadata", {}, { driver_info: { agent_erase_skip_read_only: "True" } });
    expect(skipped.ok).toBe(true);
    expect(byDevice(skipped.report, d).outcome).toBe("skipped");
  });

  test("skip_block_devices by name and by serial", async () => {
    const a = loop(64);
    const b = loop(64);
    fillRandom(a.path, 1 * MiB);
    fillRandom(b.path, 1 * MiB);
    const node = { properties: { skip_block_devices: [{ name: a.path }, { serial: b.disk.serial }] } };
    const { ok, report } = await erase([a, b], "secure_erase", { method: "zero" }, node);
    expect(ok).toBe(true);
    expect(report.summary).toMatchObject({ skipped: 2, erased: 0 });
    expect(await firstNonZero(a.path)).toBe(0);
  });

  test("VMFS signature at 1 MiB is refused unless wipe_special_filesystems", async () => {
    const d = loop(64);
    sh(["dd", `of=${d.path}`, "bs=1", `seek=${1024 * 1024}`, "conv=notrunc", "status=none"], new Uint8Array([0x0d, 0xd0, 0x01, 0xc0]));
    const refused = await erase([d], "erase_devices_metadata");
    expect(byDevice(refused.report, d).outcome).toBe("refused");
    expect(byDevice(refused.report, d).reasons.join()).toContain("VMFS");
    const allowed = await erase([d], "secure_erase", { method: "zero", wipe_special_filesystems: true });
    expect(byDevice(allowed.report, d).outcome).toBe("erased");
  });

  test("GPFS partition type is refused", async () => {
    const d = loop(64);
    sh(["sgdisk", "-n", "1:0:0", "-t", "1:37AFFC90-EF7D-4E96-91C3-2D7AE055B174", d.path]);
    const { ok, report } = await erase([d], "erase_devices_metadata");
    expect(ok).toBe(false);
    expect(byDevice(report, d).reasons.join()).toContain("GPFS");
  });

  test("a device not in the inventory is rejected before anything runs", async () => {
    const d = loop(64);
    const h = await harness([d]);
    await expect(h.dispatch("secure_erase", { devices: ["/dev/sdzz"] })).rejects.toMatchObject({ code: "UnknownBlockDevice" });
  });
});

describe("failures are per device", () => {
  test("refused and failing devices do not stop the others (concurrency 2)", async () => {
    const good1 = loop(64);
    const good2 = loop(64);
    const broken = loop(64);
    const mounted = loop(64);
    for (const d of [good1, good2, broken]) fillRandom(d.path, 64 * MiB);
    sh(["mkfs.ext4", "-q", "-F", mounted.path]);
    sh(["mount", mounted.path, mountDir]);
    // Fault injection through the exec seam: the zeroing tool fails for one device only.
    const real = createExec();
    const exec: Exec = (file, args, opts) =>
      file === "blkdiscard" && args.includes(broken.path)
        ? Promise.resolve({ command: `blkdiscard ${args.join(" ")}`, exitCode: 1, stdout: "", stderr: "BLKZEROOUT: Input/output error", failed: true, timedOut: false })
        : real(file, args, opts);
    try {
      const { ok, report, message } = await erase([good1, broken, mounted, good2], "secure_erase", { method: "zero", concurrency: 2 }, null, exec);
      expect(ok).toBe(false);
      expect(message).toContain("2 of 4 device(s) not erased");
      expect(report.summary).toEqual({ erased: 2, skipped: 0, refused: 1, failed: 1 });
      expect(byDevice(report, broken).reasons.join()).toContain("Input/output error");
      expect(await firstNonZero(good1.path)).toBe(-1);
      expect(await firstNonZero(good2.path)).toBe(-1);
      for (const r of report.devices) expect(r.duration_s).toBeGreaterThanOrEqual(0);
    } finally {
      sh(["umount", mountDir]);
    }
  });
});
