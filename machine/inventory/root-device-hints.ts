/**
 * @module machine/inventory/root-device-hints
 * Picks the disk an image is written to, with the semantics of ironic-lib's root device
 * hints: every given hint must match; string hints compare case-insensitively and accept
 * specs_matcher operators; `size` is in GiB; no hints means the smallest disk of at least
 * 4 GiB (ties broken by name), as IPA's `guess_root_disk`.
 */
import { parseBooleanString } from "../../common/boolean-string.ts";
import { defineErrorCatalogue, type ErrorSpecs } from "../../common/error-catalogue.ts";
import type { Logger } from "../../common/logger.ts";
import { RootDeviceHintsSchema, type Disk, type RootDeviceHints } from "../../protocol/inventory.ts";
import { NUMERIC_OPS, matchNumber, matchString, parseSpec, type Spec } from "./spec-matcher.ts";

const GIB = 1024 ** 3;
/** IPA refuses to guess a root disk smaller than this. */
export const MIN_ROOT_DISK_BYTES = 4 * GIB;

const STRING_HINTS = [
  "name",
  "serial",
  "wwn",
  "wwn_with_extension",
  "wwn_vendor_extension",
  "model",
  "vendor",
  "by_path",
  "hctl",
] as const;
type StringHint = (typeof STRING_HINTS)[number];
const VALID_HINTS = [...STRING_HINTS, "size", "rotational"];


/** Hints after validation, ready to match. */
export interface ParsedHints {
  strings: Partial<Record<StringHint, Spec>>;
  size?: Spec;
  rotational?: boolean;
}

type DiskSize = { name: string; size: number };

/** The errors of install-disk selection, in IPA's words. */
export const RootDeviceErrors = defineErrorCatalogue({
  invalidHints: {
    code: "InvalidRootDeviceHints",
    status: 400,
    message: (message: string, _hints: unknown) => message,
    details: (_message: string, hints: unknown) => ({ root_device: hints }),
  },
  noDiskLargeEnough: {
    code: "DeviceNotFound",
    status: 404,
    message: (_disks: DiskSize[]) =>
      `No suitable device was found for deployment - root device hints were not provided and all found block devices are smaller than ${MIN_ROOT_DISK_BYTES}B.`,
    details: (disks: DiskSize[]) => ({ disks: disks.map((d) => ({ name: d.name, size: d.size })) }),
  },
  noDiskMatches: {
    code: "DeviceNotFound",
    status: 404,
    message: (hints: unknown, _disks: DiskSize[]) => `No suitable device was found for deployment using these hints ${JSON.stringify(hints)}`,
    details: (hints: unknown, disks: DiskSize[]) => ({ root_device: hints, disks: disks.map((d) => d.name) }),
  },
} satisfies ErrorSpecs);

const invalid = RootDeviceErrors.invalidHints;

/** "sda" -> "/dev/sda"; by-path link names likewise get their directory. */
function withPrefix(hint: StringHint, spec: Spec): Spec {
  const prefix = hint === "name" ? "/dev/" : hint === "by_path" ? "/dev/disk/by-path/" : null;
  if (!prefix || !(spec.op === null || spec.op === "s==" || spec.op === "s!=" || spec.op === "<or>")) return spec;
  return { ...spec, values: spec.values.map((v) => (v.startsWith("/") ? v : prefix + v)) };
}

/**
 * Validates hints (an object, or a JSON string as some clients store `root_device`).
 * Returns null for "no hints" (absent, null or {}).
 * @example
 * parseRootDeviceHints({ size: ">= 100", rotational: "false" });
 * parseRootDeviceHints({ colour: "red" }); // throws InvalidRootDeviceHints naming "colour"
 */
export function parseRootDeviceHints(input: unknown): ParsedHints | null {
  let raw = input;
  if (typeof raw === "string") {
    if (!raw.trim()) return null;
    try {
      raw = JSON.parse(raw);
    } catch {
      throw invalid(`Root device hints are not valid JSON: ${raw}`, input);
    }
  }
  if (raw === null || raw === undefined) return null;
  if (typeof raw !== "object" || Array.isArray(raw)) throw invalid("Root device hints must be an object", input);
  const keys = Object.keys(raw);
  if (keys.length === 0) return null;
  const unknown = keys.filter((k) => !VALID_HINTS.includes(k));
  if (unknown.length > 0) {
    throw invalid(`The hints "${unknown.join(", ")}" are invalid. Valid hints are: "${VALID_HINTS.join(", ")}"`, input);
  }
  const checked = RootDeviceHintsSchema.safeParse(raw);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const name = String(issue.path[0] ?? "");
    throw invalid(`Root device hint "${name}" has an invalid type: ${issue.message}`, input);
  }
  return toParsed(checked.data, input);
}

function toParsed(hints: RootDeviceHints, input: unknown): ParsedHints {
  const parsed: ParsedHints = { strings: {} };
  for (const name of STRING_HINTS) {
    const expression = hints[name];
    if (expression === undefined) continue;
    if (!expression.trim()) throw invalid(`Root device hint "${name}" expression is empty`, input);
    const spec = parseSpec(expression.toLowerCase());
    if (spec.op && (NUMERIC_OPS as readonly string[]).includes(spec.op)) {
      throw invalid(
        `Root device hint "${name}" uses the numeric operator "${spec.op}" on a string; use "s${spec.op === "=" ? "==" : spec.op}"`,
        input,
      );
    }
    parsed.strings[name] = withPrefix(name, spec);
  }
  if (hints.size !== undefined) {
    const spec = parseSpec(String(hints.size));
    for (const v of spec.values) {
      if (!/^[+-]?\d+$/.test(v)) throw invalid(`Root device hint "size" is not an integer value. Current value: ${hints.size}`, input);
      if (Number(v) <= 0) throw invalid(`Root device hint "size" should be a positive integer. Current value: ${hints.size}`, input);
    }
    parsed.size = spec;
  }
  if (hints.rotational !== undefined) {
    const r = hints.rotational;
    // oslo strutils.bool_from_string(strict=True): a number is read as its text ("1", "0").
    const value = typeof r === "boolean" ? r : parseBooleanString(String(r));
    if (value !== undefined) parsed.rotational = value;
    else throw invalid(`Root device hint "rotational" is not a Boolean value. Current value: ${r}`, input);
  }
  return parsed;
}

/** True when the disk satisfies every hint. A hint on a field the disk lacks never matches. */
export function diskMatches(disk: Disk, hints: ParsedHints): boolean {
  for (const [name, spec] of Object.entries(hints.strings) as Array<[StringHint, Spec]>) {
    const value = disk[name];
    if (value === null || value === undefined || !String(value).trim()) return false;
    if (!matchString(String(value).trim().toLowerCase(), spec)) return false;
  }
  // Sizes compare in GiB as a float, like ironic-lib: a 465.8 GiB disk is not "== 465".
  if (hints.size && !matchNumber(disk.size / GIB, hints.size)) return false;
  if (hints.rotational !== undefined && disk.rotational !== hints.rotational) return false;
  return true;
}

/**
 * The install disk: the first disk (in inventory order) matching the hints, or without
 * hints the smallest one of at least 4 GiB (equal sizes: lowest name).
 * @example
 * selectInstallDevice(inventory.disks).name;                        // "/dev/sdb"
 * selectInstallDevice(inventory.disks, { serial: "S3Z9NB0K" }).name; // "/dev/nvme0n1"
 * @throws TeethError InvalidRootDeviceHints (400) or DeviceNotFound (404)
 */
export function selectInstallDevice(disks: readonly Disk[], hints?: unknown, logger?: Logger): Disk {
  const parsed = parseRootDeviceHints(hints);
  if (!parsed) {
    const candidates = disks
      .filter((d) => d.size >= MIN_ROOT_DISK_BYTES)
      .sort((a, b) => a.size - b.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const chosen = candidates[0];
    if (!chosen) {
      throw RootDeviceErrors.noDiskLargeEnough([...disks]);
    }
    logger?.info({ device: chosen.name, size: chosen.size }, "picked the smallest disk of at least 4 GiB");
    return chosen;
  }
  const chosen = disks.find((d) => diskMatches(d, parsed));
  if (!chosen) {
    throw RootDeviceErrors.noDiskMatches(hints, [...disks]);
  }
  logger?.info({ device: chosen.name, hints }, "picked the disk matching the root device hints");
  return chosen;
}
