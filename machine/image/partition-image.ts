/**
 * @module machine/image/partition-image
 * Partition images (`image_type: "partition"`), as IPA's `partition_utils.work_on_disk`. First
 * a plan, with nothing written: the layout (`partition-layout.ts`) must fit the disk, the tools
 * must be in the ramdisk, and `preserve_ephemeral` needs the same ephemeral partition already
 * there. Then the disk: old metadata cleared, the table written (sgdisk for GPT, sfdisk for
 * msdos), the config drive copied in, the nodes awaited, the ESP (vfat), swap and ephemeral
 * partitions formatted. The engine streams the image into the root partition afterwards;
 * `partition-image-uuids.ts` reports what IPA reports.
 */
import { hasCode } from "../../common/error-catalogue.ts";
import fs from "node:fs";
import type { Exec } from "../../common/exec.ts";
import type { Logger } from "../../common/logger.ts";
import type { ImageInfo } from "../../protocol/image-info.ts";
import { isTeethError } from "../../common/branded-error.ts";
import { blockDeviceSize, logicalSectorSize } from "./block-ioctl.ts";
import { writeConfigDrive, type ConfigDriveResult } from "./configdrive.ts";
import { ImageErrors } from "./errors.ts";
import { partitionSettings, planPartitionLayout, type PartitionLayout, type PlannedPartition } from "./partition-layout.ts";
import type { PartitionNodes } from "./partition-image-uuids.ts";
import { settlePartitionNodes } from "./partition-nodes.ts";
import { readPartitionTable } from "./partition-table.ts";
import { wipeHeadAndTail } from "./wipe.ts";

export interface PartitionPlan {
  device: string;
  diskBytes: number;
  sectorBytes: number;
  layout: PartitionLayout;
}

export interface PartitionedDisk {
  plan: PartitionPlan;
  /** Device node of every partition made, by IPA role. */
  nodes: PartitionNodes;
  root: string;
  configdrive: ConfigDriveResult | null;
}

const MKFS: Record<PartitionLayout["ephemeralFormat"], (label: string) => [string, string[]]> = {
  ext4: (label) => ["mkfs.ext4", ["-q", "-F", "-L", label]],
  ext3: (label) => ["mkfs.ext3", ["-q", "-F", "-L", label]],
  ext2: (label) => ["mkfs.ext2", ["-q", "-F", "-L", label]],
  vfat: (label) => ["mkfs.vfat", ["-n", label]],
  xfs: (label) => ["mkfs.xfs", ["-q", "-f", "-L", label]],
};

function diskGeometry(device: string): { diskBytes: number; sectorBytes: number } {
  let fd: number | null = null;
  try {
    fd = fs.openSync(device, "r");
    if (!fs.fstatSync(fd).isBlockDevice()) throw ImageErrors.partitioning(`${device} is not a block device; partition images need one`);
    const diskBytes = blockDeviceSize(fd);
    if (!diskBytes) throw ImageErrors.partitioning(`cannot read the size of ${device}`);
    return { diskBytes, sectorBytes: logicalSectorSize(fd) ?? 512 };
  } catch (error) {
    throw isTeethError(error) ? error : ImageErrors.deviceIo(device, "open", error);
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

function requiredTools(layout: PartitionLayout): Array<[string, string]> {
  const roles = new Set(layout.partitions.map((p) => p.role));
  const tools: Array<[string, string]> = [
    [layout.label === "gpt" ? "sgdisk" : "sfdisk", `for a ${layout.label} partition table`],
    ["partx", "to register partitions"],
    ["blkid", "to read partition UUIDs"],
  ];
  if (roles.has("efi system partition")) tools.push(["mkfs.vfat", "for the EFI system partition"]);
  if (roles.has("swap")) tools.push(["mkswap", "for swap_mb"]);
  if (roles.has("ephemeral") && !layout.preserveEphemeral) {
    tools.push([MKFS[layout.ephemeralFormat]("")[0], `for ephemeral_format ${layout.ephemeralFormat}`]);
  }
  return tools;
}

/** `preserve_ephemeral` keeps the data only if the disk already has this very ephemeral partition. */
async function checkPreservable(device: string, layout: PartitionLayout, exec: Exec): Promise<void> {
  const wanted = layout.partitions.find((p) => p.role === "ephemeral")!;
  const table = await readPartitionTable(device, exec);
  const found = table?.partitions.find((p) => p.number === wanted.number);
  const label = layout.label === "gpt" ? "gpt" : "dos";
  if (table?.label === label && found?.startBytes === wanted.startBytes && found.sizeBytes === wanted.sizeBytes) return;
  const has = !table
    ? "no partition table"
    : found
      ? `a ${table.label} table whose partition ${found.number} starts at ${found.startBytes} with ${found.sizeBytes} bytes`
      : `a ${table.label} table without partition ${wanted.number}`;
  throw ImageErrors.preserveEphemeral(
    `the layout puts it at partition ${wanted.number} of a ${layout.label} table, from byte ${wanted.startBytes}, ${wanted.sizeBytes} bytes; ${device} has ${has}`,
    { device },
  );
}

/**
 * Checks everything that can be checked without writing: layout vs disk size, tools, and
 * `preserve_ephemeral`. Throws ImageInfoInvalid, ImageDiskFull, ImageToolMissing or
 * ImagePreserveEphemeralFailed; the disk is untouched either way.
 * @example
 * const plan = await planPartitionImage({ device: "/dev/sda", info, configdriveBytes: iso.length, exec });
 */
export async function planPartitionImage(options: {
  device: string;
  info: ImageInfo;
  configdriveBytes: number;
  exec: Exec;
}): Promise<PartitionPlan> {
  const { device, exec } = options;
  const geometry = diskGeometry(device);
  const layout = planPartitionLayout(
    partitionSettings(options.info),
    { path: device, sizeBytes: geometry.diskBytes, sectorBytes: geometry.sectorBytes },
    options.configdriveBytes,
  );
  const missing = requiredTools(layout).filter(([tool]) => !Bun.which(tool));
  if (missing.length) throw ImageErrors.toolMissing(missing.map(([t]) => t), missing.map(([, why]) => why).join(", "));
  if (layout.preserveEphemeral) await checkPreservable(device, layout, exec);
  return { device, ...geometry, layout };
}

async function run(exec: Exec, file: string, args: string[], input?: string, signal?: AbortSignal): Promise<void> {
  const r = await exec(file, args, { input, timeoutMs: 10 * 60_000, signal });
  if (r.failed) throw ImageErrors.partitioning(`${r.command} failed: ${(r.stderr || r.stdout).trim() || `exit ${r.exitCode}`}`);
}

async function writeTable(plan: PartitionPlan, exec: Exec, signal?: AbortSignal): Promise<void> {
  const s = (bytes: number) => bytes / plan.sectorBytes;
  const parts = plan.layout.partitions;
  if (plan.layout.label === "gpt") {
    const args = parts.flatMap((p) => [
      "-n", `${p.number}:${s(p.startBytes)}:${s(p.startBytes + p.sizeBytes) - 1}`,
      "-t", `${p.number}:${p.gptType}`,
      "-c", `${p.number}:${p.name}`,
    ]);
    return run(exec, "sgdisk", ["-o", ...args, plan.device], undefined, signal);
  }
  const lines = parts.map((p) => `start=${s(p.startBytes)}, size=${s(p.sizeBytes)}, type=${p.mbrType}${p.bootable ? ", bootable" : ""}`);
  const script = `label: dos\nunit: sectors\n\n${lines.join("\n")}\n`;
  // Never wipe signatures inside the new partitions: a preserved ephemeral filesystem lives there.
  return run(exec, "sfdisk", ["--quiet", "--wipe", "never", "--wipe-partitions", "never", plan.device], script, signal);
}

async function format(p: PlannedPartition, node: string, layout: PartitionLayout, exec: Exec, signal?: AbortSignal): Promise<void> {
  if (p.role === "efi system partition") return run(exec, "mkfs.vfat", ["-n", "efi-part", node], undefined, signal);
  if (p.role === "swap") return run(exec, "mkswap", ["-L", "swap1", node], undefined, signal);
  if (p.role === "ephemeral" && !layout.preserveEphemeral) {
    const [tool, args] = MKFS[layout.ephemeralFormat]("ephemeral0");
    return run(exec, tool, [...args, node], undefined, signal);
  }
}

/**
 * Lays the plan onto the disk: everything but the image. On failure the caller wipes
 * (`wipePartitionedDisk`).
 * @example
 * const disk = await createPartitions(plan, { configdrive: iso, exec, logger });
 * openBlockTarget(disk.root); // e.g. /dev/sda4
 */
export async function createPartitions(
  plan: PartitionPlan,
  options: { configdrive: Uint8Array | null; exec: Exec; logger: Logger; signal?: AbortSignal; nodeTimeoutMs?: number },
): Promise<PartitionedDisk> {
  const { exec, logger, signal } = options;
  const { layout, device } = plan;
  if (!layout.preserveEphemeral) {
    // IPA's destroy_disk_metadata: no old table, boot loader or RAID superblock survives.
    const cleared = wipeHeadAndTail(device, plan.diskBytes, logger, { reason: "before partitioning" });
    if (!cleared.ok) throw ImageErrors.partitioning(`clearing ${device} failed: ${cleared.error}`);
  }
  await writeTable(plan, exec, signal);
  const settle = () => settlePartitionNodes(device, layout.partitions, exec, { timeoutMs: options.nodeTimeoutMs, signal });
  let byNumber = await settle();
  const cd = layout.partitions.find((p) => p.role === "configdrive");
  let configdrive: ConfigDriveResult | null = null;
  if (cd && options.configdrive) {
    const partition = { ...cd, node: byNumber.get(cd.number)! };
    configdrive = await writeConfigDrive({ device, data: options.configdrive, exec, logger, partition });
    // Its table re-read dropped and re-added the partitions: wait for them again.
    byNumber = await settle();
  }
  const nodes: PartitionNodes = {};
  for (const p of layout.partitions) {
    const node = byNumber.get(p.number)!;
    nodes[p.role] = node;
    await format(p, node, layout, exec, signal);
  }
  logger.info({ device, label: layout.label, boot_mode: layout.bootMode, partitions: nodes }, "partitions created");
  return { plan, nodes, root: nodes.root!, configdrive };
}

/**
 * After a failure: the whole disk's head and tail, so no table is left to boot; with
 * `preserve_ephemeral`, only the root partition's, so the ephemeral data keeps its table.
 * @example
 * wipePartitionedDisk(plan, logger);
 */
export function wipePartitionedDisk(plan: PartitionPlan, logger: Logger): void {
  if (!plan.layout.preserveEphemeral) {
    wipeHeadAndTail(plan.device, plan.diskBytes, logger);
    return;
  }
  const root = plan.layout.partitions.find((p) => p.role === "root")!;
  wipeHeadAndTail(plan.device, root.sizeBytes, logger, { offset: root.startBytes, reason: "of the root partition after a failed image write" });
}

/**
 * A disk-full error from writing into the root partition, told as such (the image is larger
 * than root_mb).
 * @example
 * throw asRootPartitionError(error, "/dev/sda4", rootBytes);
 */
export function asRootPartitionError(error: unknown, root: string, rootBytes: number): unknown {
  if (!hasCode(error, ImageErrors.codes.diskFull)) return error;
  const needed = Number((error.details as { needed?: unknown } | undefined)?.needed ?? -1);
  return ImageErrors.rootPartitionTooSmall(root, needed, rootBytes, error);
}
