/**
 * @module hardware-managers/contract/operations
 * The operations the agent knows, by IPA name, with the arguments each receives and the
 * result each must return. A manager may implement any subset; `tsc` checks the shape of
 * the ones it implements, and an editor completes their names. Names outside this table stay
 * possible (a vendor's own step, say `acme_reset_bmc`), but the agent warns about them when
 * the plugin loads, since a misspelled known name would otherwise never be called.
 *
 * Arguments come from the conductor (step args, command params) without a schema of the
 * manager's: every field is optional unless the agent itself guarantees it, and unknown keys
 * are passed through.
 *
 * Dependency-free at runtime: plugins bundle this file.
 */
import type { Inventory } from "../../protocol/inventory.ts";
import type { ImageInfo } from "../../protocol/image-info.ts";
import type { FirmwareClaim, FirmwareClaimQuery, FirmwareReport, FirmwareRequest, FlashComponentRequest, FlashComponentResult } from "./firmware-component.ts";

/** Keys the conductor may send that a known operation does not name. */
type Open = { readonly [key: string]: unknown };

/** `prepare_image`, `cache_image` and the `write_image` step: IPA's `image_info` and config drive. */
export interface PrepareImageArgs extends Open {
  image_info: ImageInfo | Record<string, unknown>;
  /** gzip+base64 ISO 9660 text, or a URL; null or absent: none. */
  configdrive?: unknown;
}

/**
 * The line Ironic parses from `prepare_image`'s result: it reads `root_uuid=` (and, in UEFI
 * mode, `efi_system_partition_uuid=`) from it. Build it with {@link imageResultLine}.
 */
export type ImageResultLine =
  | `prepare_image: image (${string}) written to device ${string} root_uuid=${string}`
  | `cache_image: image (${string}) cached to device ${string} root_uuid=${string}`;

/** What `prepare_image` (and `cache_image`, `write_image`) must return. */
export interface PrepareImageResult extends Open {
  /** IPA's `result` line; Ironic parses it (see {@link ImageResultLine}). */
  result: ImageResultLine;
  /** A readable summary for logs and operators. */
  message?: string;
  /** The disk written. */
  device?: string;
  "root uuid"?: string | null;
  "efi system partition uuid"?: string | null;
}

/**
 * Builds the `result` line Ironic parses.
 * @example
 * imageResultLine({ command: "prepare_image", imageId: "abc", device: "/dev/sda", rootUuid: "0x1a2b3c4d" })
 * // "prepare_image: image (abc) written to device /dev/sda root_uuid=0x1a2b3c4d"
 */
export function imageResultLine(r: {
  command: "prepare_image" | "cache_image";
  imageId: string;
  device: string;
  rootUuid: string | null;
  /** Given only in UEFI mode, as IPA does. */
  efiSystemPartitionUuid?: string | null;
}): ImageResultLine {
  const efi = r.efiSystemPartitionUuid ? ` efi_system_partition_uuid=${r.efiSystemPartitionUuid}` : "";
  const root = `root_uuid=${r.rootUuid ?? "None"}${efi}` as const;
  return r.command === "prepare_image"
    ? `prepare_image: image (${r.imageId}) written to device ${r.device} ${root}`
    : `cache_image: image (${r.imageId}) cached to device ${r.device} ${root}`;
}

/** IPA's `standby.get_partition_uuids`. */
export interface PartitionUuidsResult {
  "root uuid": string | null;
  "efi system partition uuid": string | null;
  "PReP Boot partition uuid": string | null;
  partitions: Record<string, string>;
}

/** The erase knobs (`hardware.secure_erase` params, `erase_devices` step args); see hardware-managers/README.md. */
export interface EraseArgs extends Open {
  devices?: string[];
  method?: "auto" | "hardware" | "shred" | "zero" | "metadata";
  concurrency?: number | string;
  iterations?: number | string;
  zeroize?: boolean | string;
  allow_shred_fallback?: boolean | string;
  verify?: "none" | "sample" | "full";
  skip_read_only?: boolean | string;
  wipe_special_filesystems?: boolean | string;
  erase_raid_members?: boolean | string;
}

/** `erase_block_device`: IPA's `{block_device: {name}}` or a plain `{device}`. */
export interface EraseBlockDeviceArgs extends EraseArgs {
  device?: string;
  block_device?: { name?: string; [key: string]: unknown };
}

export type EraseOutcome = "erased" | "skipped" | "refused" | "failed";

export interface EraseDeviceReport {
  device: string;
  outcome: EraseOutcome;
  /** The method that erased the device (or the last one tried). */
  method: string | null;
  duration_s: number;
  /** Why it was skipped, refused or failed. */
  reasons: string[];
  attempts: Array<{ method: string | null; status: string; reason?: string }>;
  notes: string[];
}

/** What every erase operation returns (and, as `details`, what a failed one carries). */
export interface EraseReport {
  method: string;
  concurrency: number;
  duration_s: number;
  summary: Record<EraseOutcome, number>;
  devices: EraseDeviceReport[];
}

/** Ironic's `image.install_bootloader` params. */
export interface InstallBootloaderArgs extends Open {
  root_uuid?: string | null;
  efi_system_part_uuid?: string | null;
  prep_boot_part_uuid?: string | null;
  target_boot_mode?: "bios" | "uefi" | null;
  ignore_bootloader_failure?: boolean | null;
}

/**
 * Every known operation: its arguments and its result.
 * @example
 * const disk: OperationTypes["get_os_install_device"]["result"] = "/dev/sda";
 */
export interface OperationTypes {
  /** The inventory (IPA's `list_hardware_info`); results of every manager are merged, best-ranked last. */
  list_hardware_info: { args: Open; result: Inventory };
  /** The disk an image goes to; `root_device` (hints) overrides the node's. */
  get_os_install_device: { args: { root_device?: unknown } & Open; result: string };
  prepare_image: { args: PrepareImageArgs; result: PrepareImageResult };
  cache_image: { args: PrepareImageArgs; result: PrepareImageResult };
  /** The deploy step; the generic manager dispatches `prepare_image`. */
  write_image: { args: PrepareImageArgs; result: PrepareImageResult };
  get_partition_uuids: { args: Open; result: PartitionUuidsResult };
  erase_devices: { args: EraseArgs; result: EraseReport };
  erase_devices_metadata: { args: EraseArgs; result: EraseReport };
  erase_devices_express: { args: EraseArgs; result: EraseReport };
  erase_block_device: { args: EraseBlockDeviceArgs; result: EraseReport };
  /** The `hardware.secure_erase` command. */
  secure_erase: { args: EraseArgs; result: EraseReport };
  /** The step; same request and report as `flash_firmware`. */
  update_firmware: { args: FirmwareRequest; result: FirmwareReport };
  /** The `hardware.flash_firmware` command. */
  flash_firmware: { args: FirmwareRequest; result: FirmwareReport };
  /** "Is this component mine, and what runs now?" Decline components you do not own. */
  claims_firmware_component: { args: FirmwareClaimQuery; result: FirmwareClaim };
  /** Flash the verified file at `args.path`. Idempotent. */
  flash_firmware_component: { args: FlashComponentRequest; result: FlashComponentResult };
  /** UEFI: register the loader on the ESP in NVRAM; returns a sentence for the command result. */
  install_bootloader: { args: InstallBootloaderArgs; result: string };
}

export type KnownOperation = keyof OperationTypes;

/** The names, at runtime (the plugin loader warns about names outside it). */
export const KNOWN_OPERATIONS: readonly KnownOperation[] = Object.freeze([
  "list_hardware_info",
  "get_os_install_device",
  "prepare_image",
  "cache_image",
  "write_image",
  "get_partition_uuids",
  "erase_devices",
  "erase_devices_metadata",
  "erase_devices_express",
  "erase_block_device",
  "secure_erase",
  "update_firmware",
  "flash_firmware",
  "claims_firmware_component",
  "flash_firmware_component",
  "install_bootloader",
] satisfies KnownOperation[]);

export type ArgsOf<K extends string> = K extends KnownOperation ? OperationTypes[K]["args"] : Record<string, unknown>;
export type ResultOf<K extends string> = K extends KnownOperation ? OperationTypes[K]["result"] : unknown;
