/**
 * @module hardware-managers/contract/firmware-component
 * The per-component firmware convention between `flash_firmware` and the managers that flash.
 * A manager claims a component by implementing two operations and declining (`ctx.decline()`)
 * every component it does not own:
 *
 * - `claims_firmware_component` (args {@link FirmwareClaimQuery}) -> {@link FirmwareClaim}:
 *   a cheap "is it mine, and what runs now?". Called for every image before anything is
 *   downloaded or flashed, so an unclaimed component fails the request up front.
 * - `flash_firmware_component` (args {@link FlashComponentRequest}) -> {@link FlashComponentResult}:
 *   flash the verified file at `path`. Must be idempotent (skip when already at `version`).
 *
 * Types and two name constants: nothing here needs a runtime dependency.
 */

/** One image of a request, as `update_firmware`/`flash_firmware` receive it (Metal3/Ironic shape). */
export interface FirmwareImage {
  /** `bios`, `uefi`, `bmc`, `nic:<mac>`, `nvme:<serial>`, or vendor-defined (`acme-bmc`). */
  component: string;
  url: string;
  /** Hex digest; algorithm by length (64 sha256, 128 sha512, 32 md5 when allowed) or `algo:hex`. */
  checksum: string;
  /** The version the image carries; when the device already runs it, nothing is flashed. */
  version?: string;
  /** Anything else the request carried for the claimant (NVMe `slot`/`action`, fwupd `device_id`). */
  [key: string]: unknown;
}

export type FirmwareClaimQuery = FirmwareImage;

export interface FirmwareClaim {
  /** What the device runs now, or null when the manager cannot tell. */
  current_version: string | null;
  /** Free text for the report (which device, which tool). */
  target?: string;
}

export interface FlashComponentRequest extends FirmwareImage {
  /** The downloaded, checksum-verified image (a temp file in the RAM disk). */
  path: string;
}

export interface FlashComponentResult {
  status: "flashed" | "skipped";
  version_before: string | null;
  version_after: string | null;
  /** True when the new firmware only runs after a reboot (or a BMC/device reset we can't do). */
  reboot_requested: boolean;
  notes?: string[];
}

/** `flash_firmware` / `update_firmware` args: the Metal3/Ironic list (`settings` and `images` are accepted too). */
export interface FirmwareRequest {
  firmware_images?: FirmwareImage[];
  settings?: FirmwareImage[];
  images?: FirmwareImage[];
  /** Cap per downloaded image, bytes (default 512 MiB: the RAM disk's tmpfs is RAM). */
  max_image_bytes?: number;
  readonly [key: string]: unknown;
}

export interface ComponentReport {
  component: string;
  status: "flashed" | "skipped" | "failed" | "not_attempted";
  version_before: string | null;
  version_after: string | null;
  reboot_requested: boolean;
  download?: { bytes: number; seconds: number; digest: string };
  notes: string[];
}

/** What `flash_firmware` returns (and, as `details`, what a failed one carries). */
export interface FirmwareReport {
  components: ComponentReport[];
  reboot_requested: boolean;
}

export const CLAIM_OPERATION = "claims_firmware_component" as const;
export const FLASH_OPERATION = "flash_firmware_component" as const;
