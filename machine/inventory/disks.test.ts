import { describe, expect, test } from "bun:test";
import { collectDisks } from "./disks.ts";
import { SERVER_A } from "./fixtures.ts";
import { createHostFs } from "../host-fs.ts";
import { captureLogger, fakeExec } from "./test-support.ts";

const fs = createHostFs(SERVER_A);

describe("collectDisks on a fake server", () => {
  test("lists whole disks only: no partitions, empty readers, hidden paths, ram, zram, sr, dm, md, loop", async () => {
    const disks = await collectDisks({ fs, exec: fakeExec(), logger: captureLogger().logger, allowLoopDevices: false });
    expect(disks.map((d) => d.name)).toEqual(["/dev/nvme0n1", "/dev/sda", "/dev/sdb"]);
  });

  test("allowLoopDevices adds attached loop devices only", async () => {
    const disks = await collectDisks({ fs, exec: fakeExec(), logger: captureLogger().logger, allowLoopDevices: true });
    expect(disks.map((d) => d.name)).toEqual(["/dev/loop0", "/dev/nvme0n1", "/dev/sda", "/dev/sdb"]);
    expect(disks[0]!.size).toBe(10485760 * 512);
  });

  test("reads every IPA field from sysfs, udev's database and by-path links", async () => {
    const disks = await collectDisks({ fs, exec: fakeExec(), logger: captureLogger().logger, allowLoopDevices: false });
    const byName = Object.fromEntries(disks.map((d) => [d.name, d]));
    expect(byName["/dev/sda"]).toEqual({
      name: "/dev/sda",
      model: "Samsung SSD 860",
      size: 1953525168 * 512,
      rotational: false,
      wwn: "0x5002538e40a1b2c3",
      serial: "S3Z9NB0K123456", // udev's ID_SERIAL_SHORT
      vendor: "ATA",
      wwn_with_extension: "0x5002538e40a1b2c3",
      wwn_vendor_extension: null,
      hctl: "0:0:0:0",
      by_path: "/dev/disk/by-path/pci-0000:00:1f.2-ata-1",
      logical_sectors: 512,
      physical_sectors: 512,
      tran: "sata",
    });
    expect(byName["/dev/sdb"]).toMatchObject({
      model: "ST4000NM0025",
      vendor: "SEAGATE",
      rotational: true,
      serial: "ZC1ABCDE", // VPD page 0x80
      wwn: "0x600508b1001c4d5e",
      wwn_with_extension: "0x600508b1001c4d5e6f7a8b9c0d1e2f30",
      wwn_vendor_extension: "0x6f7a8b9c0d1e2f30",
      hctl: "2:0:1:0",
      by_path: null,
      physical_sectors: 4096,
      tran: "sas",
    });
    expect(byName["/dev/nvme0n1"]).toMatchObject({
      model: "SAMSUNG MZVLB512HAJQ-00000",
      serial: "S4GENX0N123456",
      wwn: "eui.0025388b71b2a3f1",
      vendor: null,
      hctl: null,
      by_path: "/dev/disk/by-path/pci-0000:00:04.0-nvme-1",
      tran: "nvme",
    });
  });

  test("lsblk fills only what sysfs lacks, and its absence is a warning, not a failure", async () => {
    const lsblk = {
      blockdevices: [
        { kname: "sdb", model: "WRONG", serial: null, wwn: null, hctl: null, tran: "sas", vendor: null },
        { kname: "nvme0n1", model: null, serial: null, wwn: null, hctl: null, tran: "nvme", vendor: "NVMe-vendor" },
      ],
    };
    const exec = fakeExec({ lsblk: { stdout: JSON.stringify(lsblk) } });
    const disks = await collectDisks({ fs, exec, logger: captureLogger().logger, allowLoopDevices: false });
    const byName = Object.fromEntries(disks.map((d) => [d.name, d]));
    expect(byName["/dev/sdb"]!.model).toBe("ST4000NM0025"); // sysfs wins
    expect(byName["/dev/nvme0n1"]!.vendor).toBe("NVMe-vendor"); // gap filled

    const log = captureLogger();
    const without = await collectDisks({ fs, exec: fakeExec(), logger: log.logger, allowLoopDevices: false });
    expect(without).toHaveLength(3);
    expect(log.warnings().some((w) => w.startsWith("lsblk failed"))).toBe(true);
  });
});

test("an SD card reports its model from device/name and the mmc transport", async () => {
  const { ARM_BOARD } = await import("./fixtures.ts");
  const disks = await collectDisks({ fs: createHostFs(ARM_BOARD), exec: fakeExec(), logger: captureLogger().logger, allowLoopDevices: false });
  expect(disks).toHaveLength(1);
  expect(disks[0]).toMatchObject({ name: "/dev/mmcblk0", model: "SD32G", serial: "0x1234abcd", tran: "mmc", size: 62333952 * 512 });
});
