/**
 * @module machine/image/errors
 * Every error the image engine raises, with a stable code. `retryable` marks the failures a
 * resumed download can cure (a dropped or stalled connection, a 5xx); 4xx, a full disk, a
 * wrong checksum and a bad image are final.
 */
import { TeethError } from "../../common/branded-error.ts";

/** Extra fields the engine reads back from its own errors. */
export interface ImageErrorDetails {
  readonly [key: string]: unknown;
}

function imageError(
  code: string,
  message: string,
  options: { status?: number; details?: ImageErrorDetails; cause?: unknown; retryable?: boolean } = {},
): TeethError {
  const error = new TeethError(code, message, {
    status: options.status ?? 500,
    details: { ...options.details, retryable: options.retryable ?? false },
    cause: options.cause,
  });
  return error;
}

/** True when a resumed download may cure the failure. */
export function isRetryable(error: unknown): boolean {
  const details = (error as { details?: { retryable?: unknown } } | null)?.details;
  return details?.retryable === true;
}

/**
 * The catalogue. Codes are stable: the conductor and operators match on them.
 * @example
 * throw ImageErrors.checksumMismatch("sha256", expected, actual);
 */
export const ImageErrors = {
  invalidImageInfo: (message: string, issues?: unknown) =>
    imageError("IMAGE_INFO_INVALID", `Invalid image_info: ${message}`, { status: 400, details: { issues } }),
  checksumUnsupported: (message: string) =>
    imageError("IMAGE_CHECKSUM_UNSUPPORTED", message, { status: 400 }),
  checksumFileInvalid: (url: string, message: string) =>
    imageError("IMAGE_CHECKSUM_FILE_INVALID", `Checksum file ${url}: ${message}`, { details: { url } }),
  checksumMismatch: (algo: string, expected: string, actual: string) =>
    imageError("IMAGE_CHECKSUM_MISMATCH", `Image ${algo} checksum mismatch: expected ${expected}, got ${actual}`, {
      details: { algo, expected, actual },
    }),
  httpStatus: (url: string, status: number, retryable: boolean) =>
    imageError("IMAGE_HTTP_STATUS", `Image server answered HTTP ${status} for ${url}`, {
      details: { url, http_status: status },
      retryable,
    }),
  connection: (url: string, cause: unknown) =>
    imageError("IMAGE_CONNECTION_FAILED", `Image download from ${url} failed: ${String((cause as Error)?.message ?? cause)}`, {
      details: { url },
      cause,
      retryable: true,
    }),
  stalled: (url: string, seconds: number, offset: number) =>
    imageError("IMAGE_DOWNLOAD_STALLED", `No bytes from ${url} for ${seconds} s at offset ${offset}`, {
      details: { url, offset },
      retryable: true,
    }),
  shortRead: (url: string, received: number, expected: number) =>
    imageError("IMAGE_SHORT_READ", `Image stream from ${url} ended at ${received} of ${expected} bytes`, {
      details: { url, received, expected },
      retryable: true,
    }),
  lengthMismatch: (url: string, message: string) =>
    imageError("IMAGE_LENGTH_MISMATCH", `Image from ${url}: ${message}`, { details: { url } }),
  retriesExhausted: (url: string, attempts: number, last: unknown) =>
    imageError(
      (last as { code?: string })?.code ?? "IMAGE_DOWNLOAD_FAILED",
      `Image download from ${url} failed after ${attempts} attempts: ${(last as Error)?.message ?? String(last)}`,
      { details: { url, attempts, last_details: (last as { details?: unknown })?.details }, cause: last },
    ),
  timedOut: (url: string, seconds: number) =>
    imageError("IMAGE_DOWNLOAD_TIMEOUT", `Image download from ${url} exceeded ${seconds} s`, { details: { url } }),
  formatMismatch: (declared: string, detected: string) =>
    imageError(
      "IMAGE_FORMAT_MISMATCH",
      `Image declared as ${declared} but its bytes are ${detected}; refusing to write it`,
      { status: 400, details: { declared, detected } },
    ),
  formatNotPermitted: (format: string, permitted: string[]) =>
    imageError("IMAGE_FORMAT_NOT_PERMITTED", `Image format ${format} is not permitted here (permitted_image_formats: ${permitted.join(", ")})`, {
      status: 400,
      details: { format, permitted },
    }),
  formatUnsupported: (format: string) =>
    imageError("IMAGE_FORMAT_UNSUPPORTED", `Image format ${format} is not supported`, {
      status: 400,
      details: { format },
    }),
  qcow2Invalid: (message: string) => imageError("IMAGE_QCOW2_INVALID", `qcow2: ${message}`),
  qcow2Unsupported: (message: string) =>
    imageError("IMAGE_QCOW2_UNSUPPORTED", `qcow2: ${message}`, { status: 400 }),
  diskFull: (device: string, needed: number, size: number) =>
    imageError("IMAGE_DISK_FULL", `Image needs ${needed} bytes but ${device} holds ${size}`, {
      details: { device, needed, size },
    }),
  deviceIo: (device: string, operation: string, cause: unknown) =>
    imageError("IMAGE_DEVICE_IO", `${operation} on ${device} failed: ${(cause as Error)?.message ?? String(cause)}`, {
      details: { device, operation, errno: (cause as { code?: string })?.code },
      cause,
    }),
  decompress: (format: string, cause: unknown) =>
    imageError("IMAGE_DECOMPRESS_FAILED", `${format} decompression failed: ${(cause as Error)?.message ?? String(cause)}`, {
      details: { format },
      cause,
    }),
  aborted: () => imageError("IMAGE_ABORTED", "Image write aborted"),
  configdriveInvalid: (message: string) =>
    imageError("CONFIGDRIVE_INVALID", `Config drive: ${message}`, { status: 400 }),
  configdriveWrite: (message: string, details?: ImageErrorDetails) =>
    imageError("CONFIGDRIVE_WRITE_FAILED", `Config drive: ${message}`, { details }),
  rootPartitionTooSmall: (partition: string, needed: number, size: number, cause?: unknown) =>
    imageError(
      "IMAGE_DISK_FULL",
      `Image needs ${needed >= 0 ? `${needed} bytes` : "more space"} but the root partition ${partition} holds ${size} bytes (root_mb=${Math.floor(size / 2 ** 20)})`,
      { details: { device: partition, needed, size, root_partition: true }, cause },
    ),
  layoutTooLarge: (device: string, needed: number, size: number) =>
    imageError("IMAGE_DISK_FULL", `The partition layout needs ${needed} bytes but ${device} holds ${size}`, {
      details: { device, needed, size },
    }),
  partitioning: (message: string, details?: ImageErrorDetails) =>
    imageError("IMAGE_PARTITIONING_FAILED", `Partitioning: ${message}`, { details }),
  toolMissing: (tools: string[], why: string) =>
    imageError("IMAGE_TOOL_MISSING", `${tools.join(", ")} not found in this ramdisk (needed ${why})`, {
      status: 400,
      details: { tools },
    }),
  preserveEphemeral: (message: string, details?: ImageErrorDetails) =>
    imageError("IMAGE_PRESERVE_EPHEMERAL_FAILED", `Cannot preserve the ephemeral partition: ${message}`, {
      status: 400,
      details,
    }),
};
