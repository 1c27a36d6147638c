import { expect, test } from "bun:test";
import type { ImagePartition } from "./partition.ts";
import { chooseRoot, partitionNumberOf } from "./root-argument.ts";

const part = (number: number, fsUuid: string | null): ImagePartition => ({ device: `/dev/vda${number}`, number, fsUuid, partUuid: null, partType: null, fsType: "ext4", dir: null });
const parts = [part(1, null), part(2, "esp-1"), part(3, "root-uuid")];

test("a stable root= is kept as the entry has it", () => {
  for (const r of ["UUID=abc", "PARTUUID=12-34", "LABEL=root"]) expect(chooseRoot(`ro root=${r} quiet`, parts, null, false)).toEqual({ ok: true, cmdline: `ro root=${r} quiet`, root: r });
});

test("a device path becomes root=UUID= of the install disk's partition of that number", () => {
  expect(chooseRoot("root=/dev/sda3 ro", parts, null, false)).toEqual({ ok: true, cmdline: "root=UUID=root-uuid ro", root: "UUID=root-uuid" });
  expect(chooseRoot("root=/dev/nvme0n1p3 ro", parts, null, false)).toMatchObject({ ok: true, root: "UUID=root-uuid" });
  expect(chooseRoot("root=/dev/disk/by-uuid/xyz", parts, null, false)).toMatchObject({ ok: true, root: "UUID=xyz" });
  expect(chooseRoot("root=/dev/sda7", parts, null, false)).toEqual({ ok: false, reason: "root=/dev/sda7 names no partition of the install disk that has a file system UUID" });
  expect(chooseRoot("root=/dev/mapper/vg-root", parts, null, false).ok).toBe(false);
});

test("no root=: the kernel's partition when it is a root file system, else refused", () => {
  expect(chooseRoot("ro quiet", parts, parts[2]!, true)).toEqual({ ok: true, cmdline: "root=UUID=root-uuid ro quiet", root: "UUID=root-uuid" });
  expect(chooseRoot("ro quiet", parts, parts[2]!, false).ok).toBe(false);
});

test("partition numbers of device names", () => {
  expect([partitionNumberOf("/dev/sda12"), partitionNumberOf("nvme1n1p2"), partitionNumberOf("/dev/mmcblk0p1"), partitionNumberOf("/dev/sda"), partitionNumberOf("/dev/nvme0n1")]).toEqual([12, 2, 1, null, null]);
});
