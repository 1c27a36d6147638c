/**
 * @module machine/image/format-detect
 * What an image is, from its first bytes, never from its name; and whether that agrees
 * with the declared `disk_format` (a qcow2 declared raw, or the reverse, is refused, as IPA
 * does since CVE-2024-44082: a raw image that is really qcow2 could point at host files).
 */
import { ImageErrors } from "./errors.ts";

export type Compression = "gzip" | "xz" | "zstd";
export type DiskFormat = "raw" | "qcow2" | "vmdk" | "vhdx" | "vdi" | "vhd";
export type Detected = Compression | DiskFormat;

/** Bytes needed to tell every format apart (and to see a GPT header at LBA 1 of a 4Kn disk). */
export const DETECT_BYTES = 4096;

const startsWith = (b: Uint8Array, sig: number[], at = 0) => sig.every((v, i) => b[at + i] === v);

/**
 * @example
 * detectFormat(firstBytes) // "qcow2"
 */
export function detectFormat(head: Uint8Array): Detected {
  if (startsWith(head, [0x1f, 0x8b])) return "gzip";
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return "xz";
  if (startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) return "zstd";
  if (startsWith(head, [0x51, 0x46, 0x49, 0xfb])) return "qcow2";
  if (startsWith(head, [0x4b, 0x44, 0x4d, 0x56])) return "vmdk"; // "KDMV"
  if (startsWith(head, [0x76, 0x68, 0x64, 0x78, 0x66, 0x69, 0x6c, 0x65])) return "vhdx"; // "vhdxfile"
  if (startsWith(head, [0x7f, 0x10, 0xda, 0xbe], 0x40)) return "vdi";
  if (startsWith(head, [0x63, 0x6f, 0x6e, 0x65, 0x63, 0x74, 0x69, 0x78])) return "vhd"; // "conectix"
  return "raw";
}

export function isCompression(f: Detected): f is Compression {
  return f === "gzip" || f === "xz" || f === "zstd";
}

/** Declared formats the engine treats as plain bytes. */
const RAW_LIKE = new Set(["raw", "iso", "img"]);

/**
 * Checks the detected disk format (after any decompression) against the declared one.
 * Returns the format to write with; throws ImageFormatMismatch or ImageFormatUnsupported.
 * @example
 * checkDeclared("qcow2", "raw") // throws ImageFormatMismatch
 */
export function checkDeclared(detected: Detected, declared: string | null | undefined): "raw" | "qcow2" {
  const want = declared?.toLowerCase() || null;
  if (want && !RAW_LIKE.has(want) && want !== "qcow2") {
    throw ImageErrors.formatUnsupported(want);
  }
  if (detected !== "raw" && detected !== "qcow2") {
    throw want ? ImageErrors.formatMismatch(want, detected) : ImageErrors.formatUnsupported(detected);
  }
  if (want === null) return detected;
  if (want === "qcow2" && detected !== "qcow2") throw ImageErrors.formatMismatch(want, detected);
  if (RAW_LIKE.has(want) && detected !== "raw") throw ImageErrors.formatMismatch(want, detected);
  return detected;
}

/** IPA's default `permitted_image_formats`. */
export const DEFAULT_PERMITTED_FORMATS: readonly string[] = Object.freeze(["raw", "gpt", "qcow2", "iso"]);

/**
 * Checks the format to write against the conductor's `permitted_image_formats` (IPA's names:
 * a raw image with a GPT is `gpt` as well as `raw`; a raw image declared `iso` is `iso`).
 * Throws ImageFormatNotPermitted.
 * @example
 * checkPermitted("qcow2", head, "qcow2", ["raw", "gpt"]) // throws ImageFormatNotPermitted
 */
export function checkPermitted(format: "raw" | "qcow2", head: Uint8Array, declared: string | null | undefined, permitted: readonly string[]): void {
  const allowed = new Set(permitted.map((f) => f.trim().toLowerCase()));
  const names: string[] = [format];
  if (format === "raw" && head.length >= 520 && Buffer.from(head.buffer, head.byteOffset + 512, 8).toString("latin1") === "EFI PART") names.push("gpt");
  if (format === "raw" && declared?.toLowerCase() === "iso") names.push("iso");
  if (!names.some((n) => allowed.has(n))) throw ImageErrors.formatNotPermitted(names[names.length - 1]!, [...allowed]);
}
