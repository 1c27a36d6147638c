/**
 * @module conductor/orchestration/prestage/prestage-record
 * What a node's `driver_internal_info` says about its pre-staged image, under three keys this
 * module alone names: `prestaged_image` (written and verified by the agent running now),
 * `prestaging` (a `standby.cache_image` under way) and `prestage_failed` (the last attempt's
 * reason, so a broken image is not retried on every pass). The image is named by its checksum,
 * which is what a deploy compares.
 */
import type { ImageInfo } from "../../../protocol/image-info.ts";
import type { Dict } from "../../store/node-record.ts";

export interface PrestagedImage {
  source: string;
  checksum: string;
  /** ISO time the agent finished writing and verifying it. */
  at: string;
  device: string | null;
  bytes_written: number | null;
}

export interface PrestageInFlight {
  source: string;
  checksum: string;
  started_at: string;
  command_id: string;
}

export interface PrestageFailure {
  checksum: string;
  at: string;
  reason: string;
}

export interface PrestageState {
  staged: PrestagedImage | null;
  inFlight: PrestageInFlight | null;
  failed: PrestageFailure | null;
}

const KEYS = { staged: "prestaged_image", inFlight: "prestaging", failed: "prestage_failed" } as const;

function objectAt<T>(dii: Dict, key: string): T | null {
  const v = dii[key];
  return v && typeof v === "object" && !Array.isArray(v) ? (v as T) : null;
}

/**
 * @example
 * const { staged } = readPrestage(node.driver_internal_info);
 * staged?.checksum; // "sha256:9f86d0..."
 */
export function readPrestage(dii: Dict): PrestageState {
  return { staged: objectAt(dii, KEYS.staged), inFlight: objectAt(dii, KEYS.inFlight), failed: objectAt(dii, KEYS.failed) };
}

/** `dii` with the given parts replaced (null removes one); the others kept. */
export function writePrestage(dii: Dict, parts: Partial<PrestageState>): Dict {
  const out: Dict = { ...dii };
  for (const [part, key] of Object.entries(KEYS) as [keyof PrestageState, string][]) {
    if (!(part in parts)) continue;
    const v = parts[part];
    if (v) out[key] = v;
    else delete out[key];
  }
  return out;
}

/** `dii` without any pre-staging record: cleaning started, the node was powered off, a deploy ended. */
export function withoutPrestage(dii: Dict): Dict {
  return writePrestage(dii, { staged: null, inFlight: null, failed: null });
}

/** True when `dii` holds anything about pre-staging (so a caller can skip a write). */
export function hasPrestage(dii: Dict): boolean {
  return Object.values(KEYS).some((k) => k in dii);
}

/**
 * The image's identity for comparison: `<algo>:<hex>` for an os_hash pair, `checksum:<value>`
 * for a legacy checksum (or checksum URL). Two deploys of the same bytes compare equal.
 * @example
 * checksumKey({ os_hash_algo: "sha256", os_hash_value: "AB12" }); // "sha256:ab12"
 */
export function checksumKey(info: Pick<ImageInfo, "os_hash_algo" | "os_hash_value" | "checksum">): string {
  if (info.os_hash_algo && info.os_hash_value) return `${info.os_hash_algo}:${String(info.os_hash_value).toLowerCase()}`;
  return `checksum:${String(info.checksum ?? "").toLowerCase()}`;
}
