/**
 * @module conductor/images/image-service
 * Turns a node's `instance_info` into IPA's `image_info`. `image_source` may be an http(s)
 * URL (a checksum is then required, as Ironic) or the name of a file in `<data-dir>/images`,
 * which the conductor serves itself and hashes for the agent.
 */
import { realpathSync, statSync } from "node:fs";
import { join, sep } from "node:path";
import { toBoolean } from "../../common/boolean-string.ts";
import type { ImageInfo } from "../../protocol/image-info.ts";
import { conductorError } from "../errors.ts";
import type { NodeRecord } from "../store/node-record.ts";
import { createChecksumCache } from "./checksum.ts";

export interface ImageService {
  /** Directory of served images. */
  readonly dir: string;
  /** Checks what can be checked without hashing (called when a deploy is requested). */
  validate(node: NodeRecord): void;
  /** Builds `image_info` for `write_image`. */
  imageInfo(node: NodeRecord): Promise<ImageInfo>;
  /**
   * Real path of a served image by name, or null when the name is not a plain existing file
   * whose real path (symlinks resolved) lies inside the image directory.
   */
  localPath(name: string): string | null;
  /** SHA-256 of a path `localPath` returned; computed once per file version, bounded. */
  sha256(path: string): Promise<string>;
}

const LOCAL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const HASH_ALGOS = new Set(["md5", "sha1", "sha256", "sha384", "sha512"]);

function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

/**
 * @example
 * const images = createImageService({ dataDir: config.data_dir, publicUrl: config.public_url });
 * const info = await images.imageInfo(node); // { id, urls: [...], os_hash_algo: "sha256", ... }
 */
export function createImageService(options: { dataDir: string; publicUrl: string }): ImageService {
  const dir = join(options.dataDir, "images");
  const checksums = createChecksumCache({ maxConcurrent: 2 });

  function localPath(name: string): string | null {
    if (!LOCAL_NAME.test(name)) return null;
    try {
      // A symlink in the image directory may point at another image, never outside it.
      const real = realpathSync(join(dir, name));
      if (!real.startsWith(realpathSync(dir) + sep)) return null;
      return statSync(real).isFile() ? real : null;
    } catch {
      return null;
    }
  }

  function source(node: NodeRecord): string {
    const s = node.instance_info.image_source;
    if (typeof s !== "string" || !s) {
      throw conductorError("INVALID_PARAMETER", {
        reason: `Node ${node.uuid} failed to validate deploy image info. Some parameters were missing. Missing are: ['instance_info.image_source']`,
      });
    }
    return s;
  }

  function explicitChecksum(node: NodeRecord): Pick<ImageInfo, "checksum" | "os_hash_algo" | "os_hash_value"> | null {
    const ii = node.instance_info;
    const algo = ii.image_os_hash_algo;
    const value = ii.image_os_hash_value;
    if (typeof algo === "string" && typeof value === "string" && value) {
      if (!HASH_ALGOS.has(algo)) throw conductorError("INVALID_PARAMETER", { reason: `Unsupported image_os_hash_algo ${algo}` });
      return { os_hash_algo: algo as ImageInfo["os_hash_algo"], os_hash_value: value.toLowerCase() };
    }
    if (typeof ii.image_checksum === "string" && ii.image_checksum) return { checksum: ii.image_checksum };
    return null;
  }

  /**
   * What a partition image needs besides the image, as Ironic's agent deploy sends it:
   * sizes from `instance_info` (`root_gb` required), the boot mode and disk label from the
   * `capabilities` of `instance_info`, then of the node's `properties` (boot mode UEFI
   * unless told otherwise, Ironic's default).
   */
  function partitionFields(node: NodeRecord): Partial<ImageInfo> {
    const ii = node.instance_info;
    if (ii.root_gb === undefined || ii.root_gb === null || ii.root_gb === "") {
      throw conductorError("INVALID_PARAMETER", {
        reason: `Node ${node.uuid} failed to validate deploy image info. Some parameters were missing. Missing are: ['instance_info.root_gb']`,
      });
    }
    // As Ironic's int() of each: a value that is not a whole number is refused, never read as 0.
    const size = (key: string, min: number): number => {
      const raw = ii[key];
      if (raw === undefined || raw === null || raw === "") return 0;
      const n = typeof raw === "number" ? raw : typeof raw === "string" && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isInteger(n) || n < min) {
        throw conductorError("INVALID_PARAMETER", { reason: `Node ${node.uuid}: instance_info.${key} must be an integer >= ${min}, got ${JSON.stringify(raw)}` });
      }
      return n;
    };
    const rootGb = size("root_gb", 1);
    const caps = { ...capabilities(node.properties.capabilities), ...capabilities(ii.capabilities) };
    const bootMode = caps.boot_mode === "bios" ? "bios" : "uefi";
    const fields: Record<string, unknown> = {
      root_gb: rootGb,
      root_mb: rootGb * 1024,
      swap_mb: size("swap_mb", 0),
      ephemeral_mb: ii.ephemeral_mb !== undefined && ii.ephemeral_mb !== null ? size("ephemeral_mb", 0) : size("ephemeral_gb", 0) * 1024,
      preserve_ephemeral: toBoolean(ii.preserve_ephemeral) === true,
      deploy_boot_mode: bootMode,
      boot_option: "local",
    };
    if (typeof ii.ephemeral_format === "string" && ii.ephemeral_format) fields.ephemeral_format = ii.ephemeral_format;
    if (caps.disk_label === "gpt" || caps.disk_label === "msdos") fields.disk_label = caps.disk_label;
    return fields as Partial<ImageInfo>;
  }

  return {
    dir,
    localPath,
    sha256: (path) => checksums.sha256(path),
    validate(node) {
      const s = source(node);
      if (node.instance_info.image_type === "partition") partitionFields(node);
      if (isUrl(s)) {
        if (!explicitChecksum(node)) {
          throw conductorError("INVALID_PARAMETER", {
            reason: `Node ${node.uuid} failed to validate deploy image info. Some parameters were missing. Missing are: ['instance_info.image_checksum' or 'instance_info.image_os_hash_algo' and 'instance_info.image_os_hash_value']`,
          });
        }
      } else if (!localPath(s)) {
        throw conductorError("IMAGE_NOT_FOUND", { image: s });
      } else {
        explicitChecksum(node);
      }
    },
    async imageInfo(node) {
      const s = source(node);
      const ii = node.instance_info;
      let url = s;
      let sums = explicitChecksum(node);
      if (!isUrl(s)) {
        const p = localPath(s);
        if (!p) throw conductorError("IMAGE_NOT_FOUND", { image: s });
        url = `${options.publicUrl}/images/${encodeURIComponent(s)}`;
        sums ??= { os_hash_algo: "sha256", os_hash_value: await checksums.sha256(p) };
      }
      if (!sums) throw conductorError("INVALID_PARAMETER", { reason: "image checksum missing" });
      const id = url.split("?")[0]!.split("/").filter(Boolean).at(-1) ?? s;
      return {
        id,
        urls: [url],
        disk_format: typeof ii.image_disk_format === "string" ? ii.image_disk_format : "raw",
        container_format: "bare",
        stream_raw_images: true,
        image_type: ii.image_type === "partition" ? "partition" : "whole-disk",
        node_uuid: node.uuid,
        ...(ii.image_type === "partition" ? partitionFields(node) : {}),
        ...sums,
      } as ImageInfo;
    },
  };
}

/** Ironic's capabilities: a `key:value,key:value` string or an object. */
export function capabilities(raw: unknown): Record<string, string> {
  if (raw && typeof raw === "object") return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]));
  if (typeof raw !== "string") return {};
  const out: Record<string, string> = {};
  for (const pair of raw.split(",")) {
    const colon = pair.indexOf(":");
    if (colon > 0) out[pair.slice(0, colon).trim()] = pair.slice(colon + 1).trim();
  }
  return out;
}
