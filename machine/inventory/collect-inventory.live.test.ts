/**
 * Runs the collector against this machine with a real loop device (needs root and losetup).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createExec } from "../../common/exec.ts";
import { collectInventory } from "./collect-inventory.ts";
import { captureLogger } from "./test-support.ts";

const exec = createExec();
const GIB = 1024 ** 3;
let dir = "";
let loop = "";

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "teeth-inventory-"));
  const image = path.join(dir, "disk.img");
  const t = await exec("truncate", ["-s", "5G", image]);
  if (t.failed) throw new Error(`truncate failed: ${t.stderr}`);
  const l = await exec("losetup", ["-f", "--show", image]);
  if (l.failed) throw new Error(`losetup failed: ${l.stderr}`);
  loop = l.stdout.trim();
});

afterAll(async () => {
  if (loop) await exec("losetup", ["-d", loop]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("collectInventory on this machine", () => {
  test("the loop device appears only with allowLoopDevices, with its real size", async () => {
    const logger = captureLogger().logger;
    const without = await collectInventory({ exec, logger, allowLoopDevices: false });
    expect(without.disks.map((d) => d.name)).not.toContain(loop);
    expect(without.disks.some((d) => d.name.startsWith("/dev/loop"))).toBe(false);

    const withLoops = await collectInventory({ exec, logger, allowLoopDevices: true });
    const disk = withLoops.disks.find((d) => d.name === loop);
    expect(disk).toBeDefined();
    expect(disk!.size).toBe(5 * GIB);
    expect(disk!.logical_sectors).toBe(512);
    // Unattached loop devices (size 0) are never listed.
    for (const d of withLoops.disks) expect(d.size).toBeGreaterThan(0);
  });

  test("the loop device is the install disk when it is the smallest of at least 4 GiB", async () => {
    const { selectInstallDevice } = await import("./root-device-hints.ts");
    const inventory = await collectInventory({ exec, logger: captureLogger().logger, allowLoopDevices: true });
    expect(selectInstallDevice(inventory.disks, { name: loop }).size).toBe(5 * GIB);
    expect(selectInstallDevice(inventory.disks, { size: 5, name: loop.replace("/dev/", "") }).name).toBe(loop);
  });

  test("with no tools on PATH, /sys and /proc still give disks, cpu and memory", async () => {
    const empty = await mkdtemp(path.join(tmpdir(), "teeth-empty-path-"));
    const saved = process.env.PATH;
    process.env.PATH = empty; // lsblk, lscpu, uname, dmidecode, sh: all missing
    const log = captureLogger();
    try {
      const inventory = await collectInventory({ exec: createExec(), logger: log.logger, allowLoopDevices: true });
      expect(inventory.disks.find((d) => d.name === loop)?.size).toBe(5 * GIB);
      expect(inventory.cpu.count).toBeGreaterThan(0);
      expect(inventory.cpu.flags.length).toBeGreaterThan(0);
      expect(inventory.cpu.architecture).not.toBe("");
      expect(inventory.memory.total).toBeGreaterThan(0);
      expect(log.warnings().some((w) => w.startsWith("lsblk failed"))).toBe(true);
    } finally {
      process.env.PATH = saved;
      await rm(empty, { recursive: true, force: true });
    }
  });
});
