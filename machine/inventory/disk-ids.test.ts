import { expect, test } from "bun:test";
import { hctlFromPath, parseUdevDb, parseVpdSerial, parseWwid, transportFromPath } from "./disk-ids.ts";

test("parseWwid: 16-digit NAA becomes a 0x WWN without vendor extension", () => {
  expect(parseWwid("naa.5002538E40A1B2C3", false)).toEqual({
    wwn: "0x5002538e40a1b2c3",
    wwn_with_extension: "0x5002538e40a1b2c3",
    wwn_vendor_extension: null,
  });
});

test("parseWwid: 32-digit NAA splits into WWN and vendor extension", () => {
  expect(parseWwid("naa.600508b1001c4d5e6f7a8b9c0d1e2f30", false)).toEqual({
    wwn: "0x600508b1001c4d5e",
    wwn_with_extension: "0x600508b1001c4d5e6f7a8b9c0d1e2f30",
    wwn_vendor_extension: "0x6f7a8b9c0d1e2f30",
  });
});

test("parseWwid: NVMe identifiers are kept verbatim; t10 vendor strings are not WWNs", () => {
  expect(parseWwid("eui.0025388b71b2a3f1", true).wwn).toBe("eui.0025388b71b2a3f1");
  expect(parseWwid("eui.0025388b71b2a3f1", false).wwn).toBeNull();
  expect(parseWwid("t10.ATA     QEMU HARDDISK", false).wwn).toBeNull();
  expect(parseWwid(null, true).wwn).toBeNull();
});

test("parseVpdSerial reads the ASCII serial after the 4-byte header", () => {
  const page = new Uint8Array([0, 0x80, 0, 10, ...new TextEncoder().encode("  ZC1ABCDE")]);
  expect(parseVpdSerial(page)).toBe("ZC1ABCDE");
  expect(parseVpdSerial(new Uint8Array([0, 0x83, 0, 1, 65]))).toBeNull();
  expect(parseVpdSerial(null)).toBeNull();
});

test("parseUdevDb keeps E: properties only", () => {
  expect(parseUdevDb("S:disk/by-id/x\nE:ID_WWN=0x5\nE:ID_SERIAL_SHORT=AB=C\nG:systemd\n")).toEqual({
    ID_WWN: "0x5",
    ID_SERIAL_SHORT: "AB=C",
  });
});

test("transportFromPath names the bus as lsblk's TRAN does", () => {
  const pci = "/sys/devices/pci0000:00";
  expect(transportFromPath("nvme0n1", `${pci}/0000:00:04.0/nvme/nvme0/nvme0n1`)).toBe("nvme");
  expect(transportFromPath("sda", `${pci}/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda`)).toBe("sata");
  expect(transportFromPath("sdb", `${pci}/0000:00:05.0/host2/port-2:0/end_device-2:0/target2:0:1/2:0:1:0/block/sdb`)).toBe("sas");
  expect(transportFromPath("sdc", `${pci}/0000:00:14.0/usb1/1-1/1-1:1.0/host3/target3:0:0/3:0:0:0/block/sdc`)).toBe("usb");
  expect(transportFromPath("sdd", `${pci}/0000:00:06.0/host4/rport-4:0-0/target4:0:0/4:0:0:0/block/sdd`)).toBe("fc");
  expect(transportFromPath("sde", "/sys/devices/platform/host5/session1/target5:0:0/5:0:0:1/block/sde")).toBe("iscsi");
  expect(transportFromPath("vda", `${pci}/0000:00:02.0/virtio1/block/vda`)).toBeNull();
});

test("hctlFromPath accepts only H:C:T:L", () => {
  expect(hctlFromPath("/sys/devices/x/target0:0:0/0:0:0:0")).toBe("0:0:0:0");
  expect(hctlFromPath("/sys/devices/pci0000:00/0000:00:02.0/virtio1")).toBeNull();
  expect(hctlFromPath(null)).toBeNull();
});
