import { describe, expect, test } from "bun:test";
import { isTeethError } from "../../common/branded-error.ts";
import type { Disk } from "../../protocol/inventory.ts";
import { parseRootDeviceHints, selectInstallDevice } from "./root-device-hints.ts";
import { testDisk } from "./test-support.ts";

const disk = testDisk;

const DISKS: Disk[] = [
  disk("/dev/sda", 1863, {
    model: "ST2000NM0055",
    vendor: "SEAGATE",
    rotational: true,
    serial: "ZC1ABCDE",
    wwn: "0x5000c500a1b2c3d4",
    wwn_with_extension: "0x5000c500a1b2c3d4",
    hctl: "0:0:0:0",
    by_path: "/dev/disk/by-path/pci-0000:00:1f.2-ata-1",
  }),
  disk("/dev/sdb", 447, {
    model: "Samsung SSD 860",
    vendor: "ATA",
    serial: "S3Z9NB0K123456",
    wwn: "0x600508b1001c4d5e",
    wwn_with_extension: "0x600508b1001c4d5e6f7a8b9c0d1e2f30",
    wwn_vendor_extension: "0x6f7a8b9c0d1e2f30",
    hctl: "2:0:1:0",
    by_path: "/dev/disk/by-path/pci-0000:00:05.0-sas-0x5000-lun-0",
  }),
  disk("/dev/nvme0n1", 476, { model: "SAMSUNG MZVLB512HAJQ", serial: "S4GENX0N", wwn: "eui.0025388b71b2a3f1" }),
  disk("/dev/sdc", 2, { model: "USB stick" }),
];

const pick = (hints: unknown, disks = DISKS) => selectInstallDevice(disks, hints).name;

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (!isTeethError(error)) throw error;
    return error;
  }
  throw new Error("expected a TeethError");
}

describe("no hints: smallest disk of at least 4 GiB", () => {
  test("skips disks under 4 GiB and picks the smallest of the rest", () => {
    expect(pick(undefined)).toBe("/dev/sdb");
    expect(pick(null)).toBe("/dev/sdb");
    expect(pick({})).toBe("/dev/sdb");
    expect(pick("")).toBe("/dev/sdb");
  });
  test("exactly 4 GiB qualifies; equal sizes go to the lowest name", () => {
    expect(pick(undefined, [disk("/dev/sdz", 4), disk("/dev/sdy", 8)])).toBe("/dev/sdz");
    expect(pick(undefined, [disk("/dev/sdc", 8), disk("/dev/sda", 8), disk("/dev/sdb", 8)])).toBe("/dev/sda");
  });
  test("nothing big enough is DeviceNotFound", () => {
    const e = errorOf(() => pick(undefined, [disk("/dev/sda", 3)]));
    expect(e.code).toBe("DeviceNotFound");
    expect(e.message).toContain("smaller than 4294967296B");
  });
});

describe("each hint", () => {
  test("name, with or without /dev/", () => {
    expect(pick({ name: "/dev/nvme0n1" })).toBe("/dev/nvme0n1");
    expect(pick({ name: "sda" })).toBe("/dev/sda");
  });
  test("serial, wwn, wwn_with_extension, wwn_vendor_extension (case-insensitive)", () => {
    expect(pick({ serial: "s4genx0n" })).toBe("/dev/nvme0n1");
    expect(pick({ wwn: "0x5000C500A1B2C3D4" })).toBe("/dev/sda");
    expect(pick({ wwn_with_extension: "0x600508b1001c4d5e6f7a8b9c0d1e2f30" })).toBe("/dev/sdb");
    expect(pick({ wwn_vendor_extension: "0x6f7a8b9c0d1e2f30" })).toBe("/dev/sdb");
  });
  test("model and vendor compare case-insensitively and accept operators", () => {
    expect(pick({ model: "samsung ssd 860" })).toBe("/dev/sdb");
    expect(pick({ model: "<in> MZVLB" })).toBe("/dev/nvme0n1");
    expect(pick({ vendor: "seagate" })).toBe("/dev/sda");
    expect(pick({ vendor: "<or> hitachi <or> ata" })).toBe("/dev/sdb");
  });
  test("size in GiB, as an integer or with an operator", () => {
    expect(pick({ size: 476 })).toBe("/dev/nvme0n1");
    expect(pick({ size: "476" })).toBe("/dev/nvme0n1");
    expect(pick({ size: ">= 1000" })).toBe("/dev/sda");
    expect(pick({ size: "< 100" })).toBe("/dev/sdc");
    expect(pick({ size: "<or> 447 <or> 9999" })).toBe("/dev/sdb");
    expect(pick({ size: "!= 1863" })).toBe("/dev/sdb");
  });
  test("rotational as a boolean or one of oslo's boolean strings", () => {
    expect(pick({ rotational: true })).toBe("/dev/sda");
    expect(pick({ rotational: "1" })).toBe("/dev/sda");
    expect(pick({ rotational: "false" })).toBe("/dev/sdb");
    expect(pick({ rotational: "No" })).toBe("/dev/sdb");
  });
  test("by_path and hctl", () => {
    expect(pick({ by_path: "/dev/disk/by-path/pci-0000:00:1f.2-ata-1" })).toBe("/dev/sda");
    expect(pick({ by_path: "pci-0000:00:05.0-sas-0x5000-lun-0" })).toBe("/dev/sdb");
    expect(pick({ hctl: "2:0:1:0" })).toBe("/dev/sdb");
  });
  test("all hints must match; the first matching disk in inventory order wins", () => {
    expect(pick({ rotational: false, size: "> 400" })).toBe("/dev/sdb");
    expect(errorOf(() => pick({ rotational: true, model: "samsung ssd 860" })).code).toBe("DeviceNotFound");
  });
  test("a hint on a field the disk lacks does not match it", () => {
    expect(errorOf(() => pick({ hctl: "<in> 0" }, [disk("/dev/nvme0n1", 500)])).code).toBe("DeviceNotFound");
  });
  test("hints may come as a JSON string", () => {
    expect(pick('{"serial": "ZC1ABCDE"}')).toBe("/dev/sda");
  });
});

describe("invalid hints name the culprit", () => {
  const cases: Array<[unknown, string]> = [
    [{ colour: "red" }, 'The hints "colour" are invalid'],
    [{ size: "big" }, 'Root device hint "size" is not an integer value'],
    [{ size: 0 }, 'Root device hint "size" should be a positive integer'],
    [{ size: ">= -5" }, 'Root device hint "size" should be a positive integer'],
    [{ size: 1.5 }, 'Root device hint "size" is not an integer value'],
    [{ rotational: "maybe" }, 'Root device hint "rotational" is not a Boolean value'],
    [{ model: 42 }, 'Root device hint "model" has an invalid type'],
    [{ serial: "   " }, 'Root device hint "serial" expression is empty'],
    [{ model: ">= 5" }, 'Root device hint "model" uses the numeric operator'],
    ["{not json", "not valid JSON"],
    [[1, 2], "must be an object"],
  ];
  for (const [hints, message] of cases) {
    test(`${JSON.stringify(hints)}`, () => {
      const e = errorOf(() => parseRootDeviceHints(hints));
      expect(e.code).toBe("InvalidRootDeviceHints");
      expect(e.message).toContain(message);
    });
  }
});
