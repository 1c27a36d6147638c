/**
 * @module machine/inventory/disks
 * The `disks` section: whole block devices an image could be written to. /sys/block is the
 * ground truth (it lists whole devices only, never partitions); udev's database and lsblk only
 * fill identity fields sysfs does not carry. Volatile or virtual devices are left out: RAM
 * disks, zram, optical drives, device-mapper and md arrays, and loop devices unless the agent
 * runs with loop devices allowed (tests, labs), then only attached ones.
 */
import type { Exec } from "../../common/exec.ts";
import type { Logger } from "../../common/logger.ts";
import type { Disk } from "../../protocol/inventory.ts";
import { hctlFromPath, parseUdevDb, parseVpdSerial, parseWwid, transportFromPath } from "./disk-ids.ts";
import { nonEmpty, toInt, type HostFs } from "../host-fs.ts";

export interface DiskDeps {
  fs: HostFs;
  exec: Exec;
  logger: Logger;
  allowLoopDevices: boolean;
}

/** Devices that are never install targets. md/dm are skipped: IPA treats RAID volumes apart. */
const SKIPPED = /^(ram|zram|sr|dm-|md|fd)\d/;

type LsblkRow = Partial<Record<"kname" | "model" | "serial" | "wwn" | "hctl" | "tran" | "vendor", string | null>>;

/** lsblk's view keyed by kernel name; empty when lsblk is missing or fails. */
async function lsblkRows(deps: DiskDeps): Promise<Map<string, LsblkRow>> {
  const r = await deps.exec("lsblk", ["-J", "-b", "-d", "-o", "KNAME,MODEL,SERIAL,WWN,HCTL,TRAN,VENDOR"], {
    timeoutMs: 15_000,
  });
  const rows = new Map<string, LsblkRow>();
  if (r.failed) {
    deps.logger.warn({ command: r.command, stderr: r.stderr.slice(0, 500) }, "lsblk failed; disk identity from /sys only");
    return rows;
  }
  try {
    for (const row of (JSON.parse(r.stdout) as { blockdevices: LsblkRow[] }).blockdevices ?? []) {
      if (row.kname) rows.set(row.kname, row);
    }
  } catch (error) {
    deps.logger.warn({ err: error }, "lsblk printed unparsable JSON; disk identity from /sys only");
  }
  return rows;
}

/** Kernel name -> /dev/disk/by-path link, first link in name order per device. */
async function byPathLinks(fs: HostFs): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  for (const entry of await fs.list("/dev/disk/by-path")) {
    const target = await fs.resolve(`/dev/disk/by-path/${entry}`);
    const name = target?.split("/").pop();
    if (name && !links.has(name)) links.set(name, `/dev/disk/by-path/${entry}`);
  }
  return links;
}

/** Whether a device belongs in the inventory (name rules, hidden NVMe paths, loop state). */
async function isCandidate(fs: HostFs, name: string, allowLoop: boolean): Promise<boolean> {
  if (name.startsWith("loop")) return allowLoop && (await fs.exists(`/sys/block/${name}/loop/backing_file`));
  if (SKIPPED.test(name)) return false;
  // Per-path nodes of multipathed NVMe namespaces are hidden; the head node is the disk.
  return (await fs.text(`/sys/block/${name}/hidden`)) !== "1";
}

async function serialOf(fs: HostFs, name: string, udev: Record<string, string>): Promise<string | null> {
  return (
    nonEmpty(udev.ID_SERIAL_SHORT) ??
    nonEmpty(await fs.text(`/sys/block/${name}/serial`)) ??
    nonEmpty(await fs.text(`/sys/block/${name}/device/serial`)) ??
    parseVpdSerial(await fs.bytes(`/sys/block/${name}/device/vpd_pg80`))
  );
}

async function hctlOf(fs: HostFs, name: string): Promise<string | null> {
  const entries = await fs.list(`/sys/block/${name}/device/scsi_device`);
  if (entries[0]) return hctlFromPath(entries[0]);
  return hctlFromPath(await fs.resolve(`/sys/block/${name}/device`));
}

/** Reads one disk; null when it is not a usable disk (size 0: no medium, detached). */
async function readDisk(
  deps: DiskDeps,
  name: string,
  byPath: Map<string, string>,
  lsblk: Map<string, LsblkRow>,
): Promise<Disk | null> {
  const { fs } = deps;
  const sectors = toInt(await fs.text(`/sys/block/${name}/size`));
  // sysfs counts size in 512-byte units whatever the logical block size.
  const size = sectors === null ? 0 : sectors * 512;
  if (size <= 0) return null;

  const devNumber = await fs.text(`/sys/block/${name}/dev`);
  const udev = devNumber ? parseUdevDb((await fs.text(`/run/udev/data/b${devNumber}`)) ?? "") : {};
  const wwid = (await fs.text(`/sys/block/${name}/wwid`)) ?? (await fs.text(`/sys/block/${name}/device/wwid`));
  const fromWwid = parseWwid(wwid, name.startsWith("nvme"));
  const row = lsblk.get(name) ?? {};
  const devicePath = await fs.resolve(`/sys/block/${name}`);

  return {
    name: `/dev/${name}`,
    // MMC/SD cards name their model in `name`; everything else in `model`.
    model:
      nonEmpty(await fs.text(`/sys/block/${name}/device/model`)) ??
      (name.startsWith("mmcblk") ? nonEmpty(await fs.text(`/sys/block/${name}/device/name`)) : null) ??
      nonEmpty(row.model),
    size,
    rotational: (await fs.text(`/sys/block/${name}/queue/rotational`)) === "1",
    wwn: nonEmpty(udev.ID_WWN) ?? fromWwid.wwn ?? nonEmpty(row.wwn),
    serial: (await serialOf(fs, name, udev)) ?? nonEmpty(row.serial),
    vendor: nonEmpty(await fs.text(`/sys/block/${name}/device/vendor`)) ?? nonEmpty(row.vendor),
    wwn_with_extension: nonEmpty(udev.ID_WWN_WITH_EXTENSION) ?? fromWwid.wwn_with_extension,
    wwn_vendor_extension: nonEmpty(udev.ID_WWN_VENDOR_EXTENSION) ?? fromWwid.wwn_vendor_extension,
    hctl: (await hctlOf(fs, name)) ?? nonEmpty(row.hctl),
    by_path: byPath.get(name) ?? null,
    logical_sectors: toInt(await fs.text(`/sys/block/${name}/queue/logical_block_size`)),
    physical_sectors: toInt(await fs.text(`/sys/block/${name}/queue/physical_block_size`)),
    tran: transportFromPath(name, devicePath) ?? nonEmpty(row.tran),
  };
}

/**
 * Collects the `disks` section, in kernel-name order.
 * @example
 * const disks = await collectDisks({ fs: createHostFs("/"), exec, logger, allowLoopDevices: false });
 * disks.map((d) => d.name); // ["/dev/nvme0n1", "/dev/sda"]
 */
export async function collectDisks(deps: DiskDeps): Promise<Disk[]> {
  const names: string[] = [];
  for (const name of await deps.fs.list("/sys/block")) {
    if (await isCandidate(deps.fs, name, deps.allowLoopDevices)) names.push(name);
  }
  if (names.length === 0) return [];
  const [byPath, lsblk] = await Promise.all([byPathLinks(deps.fs), lsblkRows(deps)]);
  const disks: Disk[] = [];
  for (const name of names) {
    try {
      const disk = await readDisk(deps, name, byPath, lsblk);
      if (disk) disks.push(disk);
      else deps.logger.debug({ device: name }, "skipping block device of size 0");
    } catch (error) {
      deps.logger.warn({ err: error, device: name }, "could not read block device; left out of the inventory");
    }
  }
  return disks;
}
