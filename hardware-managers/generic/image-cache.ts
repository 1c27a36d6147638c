/**
 * @module hardware-managers/generic/image-cache
 * What `cache_image` left on the install disk, remembered in the agent's memory (IPA's
 * `cached_image_id`): the image's identity (id and checksum), the disk, and the disk's
 * fingerprint right after the verified write. `prepare_image` reuses it only when all still
 * hold (same checksum, same disk, unchanged fingerprint), and writes only the config drive;
 * anything else writes the image as usual. Erasing a disk, or writing it, forgets the cache.
 * Whole-disk images only (a partition image's layout is made with its config drive).
 */
import type { WriteImageResult } from "../../machine/image/index.ts";
import { diskFingerprint } from "../../machine/image/index.ts";
import type { ImageInfo } from "../../protocol/image-info.ts";
import type { ManagerContext } from "../contract/index.ts";

const KEY = "generic.cached_image";
/** Set when a prepare_image reused the cache: the disk then holds that cache's OS plus a config drive. */
const ON_DISK_KEY = "generic.deployed_cached_image";

interface DeployedFromCache {
  at: string;
  device: string;
  fingerprint: string;
}

export interface CachedImage {
  id: string;
  checksum: string;
  device: string;
  fingerprint: string;
  /** The cache_image write, for the result of the deploy that reuses it. */
  written: WriteImageResult;
  at: string;
}

/** `<algo>:<hex>` or `checksum:<value>`: what a deploy's image must match (the conductor compares the same). */
export function imageChecksum(info: Pick<ImageInfo, "os_hash_algo" | "os_hash_value" | "checksum">): string {
  if (info.os_hash_algo && info.os_hash_value) return `${info.os_hash_algo}:${info.os_hash_value.toLowerCase()}`;
  return `checksum:${String(info.checksum ?? "").toLowerCase()}`;
}

function fingerprintOf(ctx: Pick<ManagerContext, "logger">, device: string): string | null {
  try {
    return diskFingerprint(device);
  } catch (error) {
    ctx.logger.warn({ device, err: error }, "could not read the disk's fingerprint");
    return null;
  }
}

/**
 * Remembers a verified cache_image write.
 * @example
 * rememberCachedImage(ctx, info, "/dev/vda", result);
 */
export function rememberCachedImage(ctx: ManagerContext, info: ImageInfo, device: string, written: WriteImageResult): void {
  if (info.image_type === "partition") return;
  const fingerprint = fingerprintOf(ctx, device);
  if (!fingerprint) return;
  const cached: CachedImage = { id: info.id, checksum: imageChecksum(info), device, fingerprint, written, at: new Date().toISOString() };
  ctx.memory.set(KEY, cached);
  ctx.logger.info({ image: info.id, checksum: cached.checksum, device }, "image cached on the install disk");
}

/**
 * Records that a prepare_image reused `cached` on `device` (only its config drive written),
 * with the disk's fingerprint as it is now.
 */
export function markDeployedFromCache(ctx: ManagerContext, cached: CachedImage, device: string): void {
  const fingerprint = fingerprintOf(ctx, device);
  if (fingerprint) ctx.memory.set(ON_DISK_KEY, { at: cached.at, device, fingerprint } satisfies DeployedFromCache);
}

/**
 * Which cache_image write (its `at`) the OS on `device` comes from: the cache itself, or the
 * deploy that reused it as long as the disk is as that deploy left it; else null.
 * @example
 * cachedImageOnDisk(ctx, "/dev/vda"); // "2026-12-01T13:31:23.731Z"
 */
export function cachedImageOnDisk(ctx: Pick<ManagerContext, "memory" | "logger">, device: string): string | null {
  const cached = ctx.memory.get(KEY) as CachedImage | undefined;
  if (cached) return cached.device === device ? cached.at : null;
  const deployed = ctx.memory.get(ON_DISK_KEY) as DeployedFromCache | undefined;
  if (!deployed || deployed.device !== device) return null;
  return fingerprintOf(ctx, device) === deployed.fingerprint ? deployed.at : null;
}

/**
 * The image cache_image left, while nothing has written or erased the disk since (a later
 * `prepare_image` reusing it writes only the config drive, which leaves its kernel alone).
 * @example
 * const cached = currentCachedImage(ctx); // { id, checksum, device, at, ... } or null
 */
export function currentCachedImage(ctx: Pick<ManagerContext, "memory">): CachedImage | null {
  return (ctx.memory.get(KEY) as CachedImage | undefined) ?? null;
}

/** Forgets the cached image (the disk is about to be written or erased). */
export function forgetCachedImage(ctx: ManagerContext, why: string): void {
  ctx.memory.delete(ON_DISK_KEY);
  const cached = ctx.memory.get(KEY) as CachedImage | undefined;
  if (!cached) return;
  ctx.memory.delete(KEY);
  ctx.logger.info({ image: cached.id, device: cached.device, why }, "cached image forgotten");
}

/**
 * The cached image when `info` may reuse it on `device`, else null (and why, in the log).
 * @example
 * const cached = reusableCachedImage(ctx, info, "/dev/vda"); // null: "the disk changed since"
 */
export function reusableCachedImage(ctx: ManagerContext, info: ImageInfo, device: string): CachedImage | null {
  const cached = ctx.memory.get(KEY) as CachedImage | undefined;
  if (!cached) return null;
  const why =
    info.image_type === "partition" ? "a partition image is always written"
    : cached.checksum !== imageChecksum(info) ? `another image is cached (${cached.id})`
    : cached.device !== device ? `it is on ${cached.device}, the install disk is now ${device}`
    : fingerprintOf(ctx, device) !== cached.fingerprint ? "the disk changed since it was written"
    : null;
  if (why) {
    ctx.logger.info({ image: info.id, cached: cached.id, device, why }, "cached image not reused; writing the image");
    if (why === "the disk changed since it was written") ctx.memory.delete(KEY);
    return null;
  }
  return cached;
}
