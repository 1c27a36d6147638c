/**
 * @module hardware-managers/generic/erase/special-filesystems
 * Detects shared-SAN filesystems (GPFS, VMFS, gfs2): erasing one LUN of those destroys data
 * that other hosts still use, so IPA refuses them (`safety_check_block_device`) and so do we.
 */
import type { DeviceFacts } from "../device/device-facts.ts";
import type { HostFs } from "../../../machine/host-fs.ts";

/** blkid TYPE values of shared filesystems. */
const SPECIAL_TYPES = new Map([
  ["gfs2", "gfs2"],
  ["gfs", "gfs2"],
  ["vmfs", "VMFS"],
  ["vmfs_volume_member", "VMFS"],
  ["gpfs", "GPFS"],
]);

/** Partition types IPA guards (GPT GUIDs lower-cased, MBR ids as 0x..). */
const SPECIAL_PARTITION_TYPES = new Map([
  ["37affc90-ef7d-4e96-91c3-2d7ae055b174", "GPFS"],
  ["aa31e02a-400f-11db-9590-000c2911d1b8", "VMFS"],
  ["0xfb", "VMFS"],
]);

/** On-disk magics (the ones libblkid uses), read directly in case blkid is absent or old. */
const MAGICS: Array<{ offset: number; bytes: number[]; what: string }> = [
  { offset: 1024 * 1024, bytes: [0x0d, 0xd0, 0x01, 0xc0], what: "VMFS" }, // VMFS volume header
  { offset: 2048 * 1024, bytes: [0x5e, 0xf1, 0xab, 0x2f], what: "VMFS" }, // VMFS filesystem
];

/**
 * Names of the shared filesystems found on the device or its partitions; [] if none.
 * @example
 * const found = await findSpecialFilesystems(facts, realHostFs);
 * if (found.length && !settings.wipeSpecialFilesystems) refuse(`holds ${found.join(", ")}`);
 */
export async function findSpecialFilesystems(facts: DeviceFacts, fs: HostFs): Promise<string[]> {
  const found = new Set<string>();
  for (const sig of facts.signatures) {
    const t = SPECIAL_TYPES.get((sig.type ?? "").toLowerCase());
    if (t) found.add(t);
    const p = SPECIAL_PARTITION_TYPES.get(sig.partEntryType ?? "");
    if (p) found.add(p);
  }
  for (const type of facts.partitionTypes) {
    const p = SPECIAL_PARTITION_TYPES.get(type);
    if (p) found.add(p);
  }
  for (const devicePath of [facts.path, ...facts.partitions]) {
    for (const magic of MAGICS) {
      const got = await fs.readAt(devicePath, magic.offset, magic.bytes.length);
      if (got && got.length === magic.bytes.length && magic.bytes.every((b, i) => got[i] === b)) found.add(magic.what);
    }
  }
  return [...found].sort();
}
