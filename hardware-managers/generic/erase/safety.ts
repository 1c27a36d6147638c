/**
 * @module hardware-managers/generic/erase/safety
 * Decides, before anything is written, whether a device may be erased: skipped by policy
 * (virtual media, kept RAID members, skip list, read-only when allowed) or refused (mounted,
 * in use, read-only, shared-SAN filesystem).
 */
import type { Disk } from "../../../protocol/inventory.ts";
import type { DeviceFacts } from "../device/device-facts.ts";
import type { HostFs } from "../../../machine/host-fs.ts";
import type { EraseSettings } from "./settings.ts";
import { findSpecialFilesystems } from "./special-filesystems.ts";

/** `erase`: go ahead. `skip`: policy says leave it, not an error. `refuse`: not erased, an error. */
export type SafetyVerdict =
  | { action: "erase" }
  | { action: "skip"; reasons: string[] }
  | { action: "refuse"; reasons: string[] };

const VIRTUAL_MEDIA_LABEL = "ir-vfd-dev";
const HINT_KEYS = ["name", "serial", "wwn", "wwn_with_extension", "wwn_vendor_extension", "model", "vendor", "by_path", "hctl"] as const;

const devName = (s: string) => s.replace(/^\/dev\//, "");

/**
 * True when a `skip_block_devices` entry matches the disk: every known hint it gives must
 * match (`{name}` alone is the common case; `volume_name` entries concern RAID and are ignored).
 * @example
 * matchesSkipEntry({ name: "/dev/sdb" }, disk) // true for disk.name "/dev/sdb" or "sdb"
 */
export function matchesSkipEntry(entry: Record<string, unknown>, disk: Disk): boolean {
  const keys = HINT_KEYS.filter((k) => entry[k] !== undefined && entry[k] !== null);
  if (keys.length === 0) return false;
  return keys.every((k) => {
    const want = String(entry[k]);
    const have = (disk as Record<string, unknown>)[k];
    if (have === null || have === undefined) return false;
    if (k === "name") return devName(want) === devName(String(have));
    return want.trim().toLowerCase() === String(have).trim().toLowerCase();
  });
}

/**
 * @example
 * const v = await checkDeviceSafety(disk, facts, settings, realHostFs);
 * if (v.action !== "erase") report(v.action, v.reasons);
 */
export async function checkDeviceSafety(
  disk: Disk,
  facts: DeviceFacts,
  settings: EraseSettings,
  fs: HostFs,
): Promise<SafetyVerdict> {
  if (!facts.exists) return { action: "refuse", reasons: [`${disk.name} is not a block device on this host`] };

  const skips: string[] = [];
  if (settings.skipList.some((e) => matchesSkipEntry(e, disk))) skips.push("listed in skip_block_devices");
  const byLabel = await fs.resolve(`/dev/disk/by-label/${VIRTUAL_MEDIA_LABEL}`);
  const devices = [facts.path, ...facts.partitions];
  if ((byLabel && devices.includes(byLabel)) || facts.signatures.some((s) => s.label === VIRTUAL_MEDIA_LABEL)) {
    skips.push("virtual media device (label ir-vfd-dev)");
  }
  if (!settings.eraseRaidMembers && facts.signatures.some((s) => s.type === "linux_raid_member")) {
    skips.push("software RAID member (linux_raid_member) being kept");
  }
  if (facts.readOnly && settings.skipReadOnly) skips.push("read-only device (agent_erase_skip_read_only)");
  if (skips.length) return { action: "skip", reasons: skips };

  const refusals: string[] = [];
  if (facts.readOnly) refusals.push("device is read-only (/sys/class/block/*/ro = 1)");
  for (const m of facts.mounts) refusals.push(`${m.device} is mounted at ${m.mountpoint}`);
  if (facts.holders.length) refusals.push(`in use by ${facts.holders.join(", ")} (holders)`);
  if (!settings.wipeSpecialFilesystems) {
    const special = await findSpecialFilesystems(facts, fs);
    if (special.length) {
      refusals.push(`holds a shared-SAN filesystem (${special.join(", ")}); set wipe_special_filesystems to erase it`);
    }
  }
  return refusals.length ? { action: "refuse", reasons: refusals } : { action: "erase" };
}
