/**
 * @module machine/image/partition-layout
 * IPA's partition-image layout (`disk_utils.make_partitions`), decided before a byte is
 * written: the boot partition (ESP of 550 MiB for UEFI, a 1 MiB BIOS boot partition for BIOS
 * on GPT), then ephemeral, swap, config drive, and root last, so growpart can grow it. The
 * first partition starts at 1 MiB and the others follow back to back, each a whole number of
 * MiB. Pure: settings and the disk's size in, a plan or an IMAGE_* error out.
 */
import type { ImageInfo } from "../../protocol/image-info.ts";
import { ImageErrors } from "./errors.ts";

const MiB = 1 << 20;
/** IPA's `[disk_utils]efi_system_partition_size` and `bios_boot_partition_size`. */
export const ESP_MB = 550;
export const BIOS_BOOT_MB = 1;
/** Sectors GPT keeps at the end of the disk: backup entries (32) and header (1). */
const GPT_BACKUP_SECTORS = 33;

/** IPA's keys of the `partitions` map in a partition image's result. */
export type PartitionRole = "efi system partition" | "bios boot" | "ephemeral" | "swap" | "configdrive" | "root";

export interface PlannedPartition {
  role: PartitionRole;
  number: number;
  startBytes: number;
  sizeBytes: number;
  /** sgdisk type code, for GPT. */
  gptType: string;
  /** MBR type byte in hex, for msdos. */
  mbrType: string;
  /** MBR active flag (IPA's `boot` flag). */
  bootable: boolean;
  /** GPT partition name; `config-2` is how the config drive code finds its partition. */
  name: string;
}

/** What a partition image asks for, with IPA's defaults applied. */
export interface PartitionSettings {
  rootMb: number;
  swapMb: number;
  ephemeralMb: number;
  ephemeralFormat: NonNullable<ImageInfo["ephemeral_format"]>;
  preserveEphemeral: boolean;
  bootMode: "uefi" | "bios";
  label: "gpt" | "msdos";
  /** `boot_option` is not `netboot`: the layout gets its boot partition. */
  localBoot: boolean;
}

export interface PartitionLayout extends PartitionSettings {
  partitions: PlannedPartition[];
  /** Byte offset where the last partition ends. */
  endBytes: number;
}

/** GPT names Teeth gives, by role; `partition-table.ts` recognises a partition-image disk by them. */
export const PARTITION_NAMES: Record<PartitionRole, string> = {
  "efi system partition": "efi-part",
  "bios boot": "bios-boot",
  ephemeral: "ephemeral0",
  swap: "swap1",
  configdrive: "config-2",
  root: "root",
};

/** Partition types by role: sgdisk codes for GPT, type bytes for msdos. */
const TYPES: Record<PartitionRole, { gpt: string; mbr: string }> = {
  "efi system partition": { gpt: "EF00", mbr: "ef" },
  "bios boot": { gpt: "EF02", mbr: "83" },
  ephemeral: { gpt: "8300", mbr: "83" },
  swap: { gpt: "8200", mbr: "82" },
  configdrive: { gpt: "8300", mbr: "83" },
  root: { gpt: "8300", mbr: "83" },
};

/**
 * The settings of a validated partition `image_info`.
 * @example
 * partitionSettings({ ...info, root_mb: 4096, deploy_boot_mode: "uefi" }) // { rootMb: 4096, label: "gpt", ... }
 */
export function partitionSettings(info: ImageInfo): PartitionSettings {
  const bootMode = info.deploy_boot_mode ?? info.boot_mode ?? "bios";
  return {
    rootMb: info.root_mb || (info.root_gb ?? 0) * 1024,
    swapMb: info.swap_mb ?? 0,
    ephemeralMb: info.ephemeral_mb ?? 0,
    ephemeralFormat: info.ephemeral_format ?? "ext4",
    preserveEphemeral: info.preserve_ephemeral ?? false,
    bootMode,
    label: info.disk_label ?? (bootMode === "uefi" ? "gpt" : "msdos"),
    localBoot: (info.boot_option ?? "local") !== "netboot",
  };
}

/**
 * Places the partitions on a disk of `disk.sizeBytes`. Throws ImageInfoInvalid for a layout
 * msdos cannot hold and ImageDiskFull when the disk is too small.
 * @example
 * const layout = planPartitionLayout(settings, { path: "/dev/sda", sizeBytes, sectorBytes: 512 }, iso.length);
 * layout.partitions.at(-1) // { role: "root", number: 5, startBytes: ..., sizeBytes: 4096 MiB }
 */
export function planPartitionLayout(
  s: PartitionSettings,
  disk: { path: string; sizeBytes: number; sectorBytes: number },
  configdriveBytes: number,
): PartitionLayout {
  const wanted: Array<[PartitionRole, number]> = [];
  if (s.localBoot && s.bootMode === "uefi") wanted.push(["efi system partition", ESP_MB]);
  if (s.localBoot && s.bootMode === "bios" && s.label === "gpt") wanted.push(["bios boot", BIOS_BOOT_MB]);
  if (s.ephemeralMb > 0) wanted.push(["ephemeral", s.ephemeralMb]);
  if (s.swapMb > 0) wanted.push(["swap", s.swapMb]);
  if (configdriveBytes > 0) wanted.push(["configdrive", Math.ceil(configdriveBytes / MiB)]);
  wanted.push(["root", s.rootMb]);

  if (s.label === "msdos" && wanted.length > 4) {
    throw ImageErrors.invalidImageInfo(
      `disk_label msdos holds 4 primary partitions, this layout needs ${wanted.length} (${wanted.map(([r]) => r).join(", ")}); use disk_label gpt or drop swap/ephemeral`,
    );
  }
  let at = MiB;
  const partitions = wanted.map(([role, mb], i): PlannedPartition => {
    const p: PlannedPartition = {
      role,
      number: i + 1,
      startBytes: at,
      sizeBytes: mb * MiB,
      gptType: TYPES[role].gpt,
      mbrType: TYPES[role].mbr,
      bootable: s.label === "msdos" && (role === "efi system partition" || (role === "root" && s.bootMode === "bios" && s.localBoot)),
      name: PARTITION_NAMES[role],
    };
    at += p.sizeBytes;
    return p;
  });
  if (s.label === "msdos" && at / disk.sectorBytes > 2 ** 32) {
    throw ImageErrors.invalidImageInfo(`disk_label msdos cannot address partitions ending past ${2 ** 32} sectors; use disk_label gpt`);
  }
  const needed = at + (s.label === "gpt" ? GPT_BACKUP_SECTORS * disk.sectorBytes : 0);
  if (needed > disk.sizeBytes) throw ImageErrors.layoutTooLarge(disk.path, needed, disk.sizeBytes);
  return { ...s, partitions, endBytes: at };
}
