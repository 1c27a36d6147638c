/**
 * @module hardware-managers/generic/erase/settings
 * Resolves erase settings from the command's or step's args, then the node (driver_internal_info,
 * driver_info, properties: where Ironic and IPA put them), then IPA's defaults.
 */
import { toBoolean } from "../../../common/boolean-string.ts";

export type EraseMethod = "auto" | "hardware" | "shred" | "zero" | "metadata";
/** How much of a zeroed device is read back: none, a sample of 1 MiB chunks, or all of it. */
export type ZeroVerify = "none" | "sample" | "full";

export interface EraseSettings {
  /** Restrict to these devices (`/dev/sda` or `sda`); null = every disk in the inventory. */
  devices: string[] | null;
  concurrency: number;
  method: EraseMethod;
  /** shred's random passes (`agent_erase_devices_iterations`, IPA default 1). */
  iterations: number;
  /** shred's final zero pass (`agent_erase_devices_zeroize`, IPA default true). */
  zeroize: boolean;
  /** Overwrite when a hardware erase was attempted and failed or was refused (frozen, password). */
  allowShredFallback: boolean;
  /** Read-only devices are skipped instead of failing the erase. */
  skipReadOnly: boolean;
  /** Erase devices holding GPFS, VMFS or gfs2 (shared SAN filesystems) anyway. */
  wipeSpecialFilesystems: boolean;
  /** Erase software-RAID members too (default: they belong to an array being kept). */
  eraseRaidMembers: boolean;
  verify: ZeroVerify;
  /** `properties.skip_block_devices`: `{name}` or root-device-hint-like matchers. */
  skipList: Array<Record<string, unknown>>;
}

const METHODS: readonly EraseMethod[] = ["auto", "hardware", "shred", "zero", "metadata"];

type Bag = Readonly<Record<string, unknown>>;

function bag(value: unknown): Bag {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Bag) : {};
}

/** Ironic sends booleans as strings from the CLI ("True", "false"); accept both. */
const toBool = toBoolean;

function toInt(value: unknown): number | undefined {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : undefined;
}

/**
 * @example
 * const s = resolveEraseSettings({ method: "zero", concurrency: 2 }, ctx.node);
 * // s.method === "zero", s.concurrency === 2, s.iterations === 1 unless the node says otherwise
 */
export function resolveEraseSettings(args: Bag, node: Bag | null, agent: { guardSpecialFilesystems?: boolean } = {}): EraseSettings {
  const sources = [args, bag(node?.driver_internal_info), bag(node?.driver_info), bag(node?.properties)];
  const pick = <T>(convert: (v: unknown) => T | undefined, ...keys: string[]): T | undefined => {
    for (const source of sources) {
      for (const key of keys) {
        const v = convert(source[key]);
        if (v !== undefined) return v;
      }
    }
    return undefined;
  };
  const method = typeof args.method === "string" ? args.method : "auto";
  if (!METHODS.includes(method as EraseMethod)) {
    throw new RangeError(`method must be one of ${METHODS.join(", ")}, got ${JSON.stringify(args.method)}`);
  }
  const verify = typeof args.verify === "string" ? args.verify : "sample";
  if (!["none", "sample", "full"].includes(verify)) {
    throw new RangeError(`verify must be none, sample or full, got ${JSON.stringify(args.verify)}`);
  }
  const devices = Array.isArray(args.devices) ? args.devices.map(String) : null;
  const skip = bag(node?.properties).skip_block_devices;
  return {
    devices,
    concurrency: Math.max(1, pick(toInt, "concurrency", "disk_erasure_concurrency") ?? 1),
    method: method as EraseMethod,
    iterations: pick(toInt, "iterations", "agent_erase_devices_iterations") ?? 1,
    zeroize: pick(toBool, "zeroize", "agent_erase_devices_zeroize") ?? true,
    allowShredFallback:
      pick(toBool, "allow_shred_fallback", "agent_continue_if_secure_erase_failed", "agent_continue_if_ata_erase_failed") ??
      false,
    skipReadOnly: pick(toBool, "skip_read_only", "agent_erase_skip_read_only") ?? false,
    // The node or args decide first; else the agent's ipa-guard-special-filesystems (default on).
    wipeSpecialFilesystems: pick(toBool, "wipe_special_filesystems") ?? agent.guardSpecialFilesystems === false,
    eraseRaidMembers: pick(toBool, "erase_raid_members") ?? false,
    verify: verify as ZeroVerify,
    skipList: Array.isArray(skip) ? skip.map(bag).map((b) => ({ ...b })) : [],
  };
}
