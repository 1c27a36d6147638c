/**
 * @module hardware-managers/generic/firmware/request
 * Reads a firmware request: `firmware_images` (Ironic's management `update_firmware`),
 * `settings` (Ironic's firmware interface `update`) or `images`, each a list of
 * `{component, url, checksum, version?}`.
 */
import type { FirmwareImage } from "../../contract/firmware-component.ts";

export type ParsedRequest = { ok: true; images: FirmwareImage[]; maxImageBytes: number } | { ok: false; reason: string };

/** Per image; firmware lands in the RAM disk's tmpfs, which is RAM. */
export const DEFAULT_MAX_IMAGE_BYTES = 512 * 1024 * 1024;

/**
 * @example
 * parseFirmwareRequest({ firmware_images: [{ component: "acme-bmc", url: "http://x/fw.bin", checksum: "ab..." }] })
 */
export function parseFirmwareRequest(args: Record<string, unknown>): ParsedRequest {
  const list = args.firmware_images ?? args.settings ?? args.images;
  if (!Array.isArray(list) || list.length === 0) {
    return { ok: false, reason: "expected a non-empty list in firmware_images (or settings) of {component, url, checksum, version?}" };
  }
  const images: FirmwareImage[] = [];
  for (const [i, raw] of list.entries()) {
    if (typeof raw !== "object" || raw === null) return { ok: false, reason: `image ${i} is not an object` };
    const o = raw as Record<string, unknown>;
    for (const key of ["component", "url", "checksum"]) {
      if (typeof o[key] !== "string" || (o[key] as string).trim() === "") return { ok: false, reason: `image ${i}: ${key} is required` };
    }
    if (!/^https?:\/\//.test(o.url as string)) return { ok: false, reason: `image ${i}: url must be http(s)` };
    if (o.version !== undefined && typeof o.version !== "string") return { ok: false, reason: `image ${i}: version must be a string` };
    images.push({ ...o, component: (o.component as string).trim() } as FirmwareImage);
  }
  const dup = images.find((img, i) => images.findIndex((o) => o.component === img.component) !== i);
  if (dup) return { ok: false, reason: `component ${dup.component} appears twice` };
  const max = args.max_image_bytes;
  const maxImageBytes = typeof max === "number" && max > 0 ? max : DEFAULT_MAX_IMAGE_BYTES;
  return { ok: true, images, maxImageBytes };
}
