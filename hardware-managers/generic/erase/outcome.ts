/**
 * @module hardware-managers/generic/erase/outcome
 * What one erase method reports. Tool failures are values: the ladder decides what to try next.
 */
import type { Exec } from "../../../common/exec.ts";
import type { HostFs } from "../../../machine/host-fs.ts";

export type MethodName =
  | "nvme_crypto_format"
  | "nvme_user_data_format"
  | "ata_security_erase_enhanced"
  | "ata_security_erase"
  | "shred"
  | "zero"
  | "metadata";

export type MethodOutcome =
  /** The device was erased by `method`. */
  | { status: "done"; method: MethodName; notes: string[] }
  /** The method does not apply to this device (not NVMe, no ATA security...): try the next. */
  | { status: "unsupported"; reason: string }
  /** The method applies but the device's state forbids it (frozen, password set). */
  | { status: "refused"; method: MethodName; reason: string }
  /** The method ran and failed. */
  | { status: "failed"; method: MethodName; reason: string };

/** What every method needs. */
export interface EraseDeps {
  readonly exec: Exec;
  readonly fs: HostFs;
  readonly signal: AbortSignal;
}
