/**
 * @module machine/kexec/root-argument
 * The `root=` the kexec'd kernel gets. A stable name in the entry (`UUID=`, `PARTUUID=`,
 * `LABEL=`, `PARTLABEL=`) is kept. A device path (`/dev/sda3`, `/dev/nvme0n1p3`) names the
 * disk as the OS would see it, which need not be the RAM disk's name for it, so it becomes
 * `root=UUID=` of the install disk's partition of that number. No `root=` at all: the
 * partition holding the entry's kernel, when it is a root file system (it has `/etc`).
 */
import type { ImagePartition } from "./partition.ts";

export type RootChoice = { ok: true; cmdline: string; root: string } | { ok: false; reason: string };

const STABLE = /^(UUID|PARTUUID|LABEL|PARTLABEL)=/i;

/** The partition number at the end of a device path: sda3 -> 3, nvme0n1p3 -> 3, mmcblk0p2 -> 2. */
export function partitionNumberOf(device: string): number | null {
  const name = device.replace(/^\/dev\//, "");
  const m = /^(?:nvme\d+n\d+|mmcblk\d+|loop\d+|nbd\d+|md\d+)p(\d+)$/.exec(name) ?? /^(?:[shv]d[a-z]+|xvd[a-z]+)(\d+)$/.exec(name);
  return m ? Number(m[1]) : null;
}

/**
 * @example
 * chooseRoot("root=/dev/sda3 ro", [{ number: 3, fsUuid: "abcd", ... }], null);
 * // { ok: true, cmdline: "root=UUID=abcd ro", root: "UUID=abcd" }
 */
export function chooseRoot(cmdline: string, partitions: readonly ImagePartition[], kernelPartition: ImagePartition | null, kernelPartitionIsRoot: boolean): RootChoice {
  const args = cmdline.split(/\s+/).filter(Boolean);
  const i = args.findLastIndex((a) => a.startsWith("root="));
  const byUuid = (p: ImagePartition | undefined | null) => (p?.fsUuid ? `UUID=${p.fsUuid}` : null);
  if (i < 0) {
    const root = kernelPartitionIsRoot ? byUuid(kernelPartition) : null;
    if (!root) return { ok: false, reason: "the boot entry has no root= and the partition holding its kernel is not a root file system" };
    return { ok: true, cmdline: [`root=${root}`, ...args].join(" "), root };
  }
  const value = args[i]!.slice(5);
  if (STABLE.test(value)) return { ok: true, cmdline: args.join(" "), root: value };
  const link = /^\/dev\/disk\/by-(uuid|partuuid|label|partlabel)\/(.+)$/.exec(value);
  let root: string | null = null;
  if (link) root = `${link[1]!.toUpperCase()}=${link[2]}`;
  else if (value.startsWith("/dev/")) {
    const n = partitionNumberOf(value);
    root = n === null ? null : byUuid(partitions.find((p) => p.number === n));
  }
  if (!root) return { ok: false, reason: `root=${value} names no partition of the install disk that has a file system UUID` };
  const out = [...args];
  out[i] = `root=${root}`;
  return { ok: true, cmdline: out.join(" "), root };
}
