/**
 * @module hardware-managers/generic/erase/safety.test
 * Policy skips that loop devices can't easily show (RAID members, virtual media).
 */
import { describe, expect, test } from "bun:test";
import type { Disk } from "../../../protocol/inventory.ts";
import type { DeviceFacts } from "../device/device-facts.ts";
import type { HostFs } from "../../../machine/host-fs.ts";
import { checkDeviceSafety, matchesSkipEntry } from "./safety.ts";
import { resolveEraseSettings } from "./settings.ts";

const disk = { name: "/dev/sdb", serial: "S1", wwn: "0x5000", model: "Disk" } as Disk;
const facts = (over: Partial<DeviceFacts>): DeviceFacts => ({
  path: "/dev/sdb", name: "sdb", exists: true, readOnly: false, partitions: [], holders: [], mounts: [], signatures: [], partitionTypes: [], ...over,
});
const fs = { resolve: async () => null, readAt: async () => null } as unknown as HostFs;
const settings = (args = {}, node = null) => resolveEraseSettings(args, node);

describe("checkDeviceSafety", () => {
  test("linux_raid_member is skipped unless erase_raid_members", async () => {
    const f = facts({ signatures: [{ device: "/dev/sdb1", type: "linux_raid_member", label: null, partEntryType: null }] });
    expect(await checkDeviceSafety(disk, f, settings(), fs)).toMatchObject({ action: "skip" });
    expect(await checkDeviceSafety(disk, f, settings({ erase_raid_members: true }), fs)).toEqual({ action: "erase" });
  });
  test("virtual media (label ir-vfd-dev) is skipped", async () => {
    const f = facts({ signatures: [{ device: "/dev/sdb", type: "vfat", label: "ir-vfd-dev", partEntryType: null }] });
    expect(await checkDeviceSafety(disk, f, settings(), fs)).toMatchObject({ action: "skip", reasons: [expect.stringContaining("virtual media")] });
  });
  test("holders (dm/md on top) refuse", async () => {
    expect(await checkDeviceSafety(disk, facts({ holders: ["dm-0"] }), settings(), fs)).toMatchObject({ action: "refuse" });
  });
  test("gfs2 refuses", async () => {
    const f = facts({ signatures: [{ device: "/dev/sdb", type: "gfs2", label: null, partEntryType: null }] });
    expect(await checkDeviceSafety(disk, f, settings(), fs)).toMatchObject({ action: "refuse", reasons: [expect.stringContaining("gfs2")] });
  });
});

describe("skip_block_devices and settings", () => {
  test("entries match by name or by every hint given", () => {
    expect(matchesSkipEntry({ name: "sdb" }, disk)).toBe(true);
    expect(matchesSkipEntry({ serial: "s1", model: "disk" }, disk)).toBe(true);
    expect(matchesSkipEntry({ serial: "S1", model: "Other" }, disk)).toBe(false);
    expect(matchesSkipEntry({ volume_name: "root" }, disk)).toBe(false);
  });
  test("args override node, node overrides IPA defaults", () => {
    const node = { driver_internal_info: { agent_erase_devices_iterations: 3, disk_erasure_concurrency: 4 }, driver_info: { agent_erase_devices_zeroize: "False" } };
    expect(settings({}, node as never)).toMatchObject({ iterations: 3, concurrency: 4, zeroize: false, method: "auto", allowShredFallback: false });
    expect(settings({ iterations: 0, concurrency: 2 }, node as never)).toMatchObject({ iterations: 0, concurrency: 2 });
    expect(() => settings({ method: "fast" })).toThrow(/method must be one of/);
  });
});
