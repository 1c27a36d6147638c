/**
 * @module machine/image/errors
 * Every error the image engine raises, with a stable code (PascalCase, as IPA's exception
 * names: they reach Ironic as `command_error.type`). `retryable` (in `details`) marks the
 * failures a resumed download can cure (a dropped or stalled connection, a 5xx); 4xx, a full
 * disk, a wrong checksum and a bad image are final.
 */
import { TeethError } from "../../common/branded-error.ts";
import { defineErrorCatalogue, type ErrorSpec, type ErrorSpecs } from "../../common/error-catalogue.ts";
import { maskSecretsInText } from "../../common/secrets.ts";

/**
 * An image URL as errors and logs show it: credentials (`user:pw@`, signed-URL signatures,
 * tokens) masked. Errors travel to the conductor's last_error and to operators.
 * @example
 * shownUrl("https://u:pw@img/x.raw?temp_url_sig=ab"); // "https://u:******@img/x.raw?temp_url_sig=******"
 */
export function shownUrl(url: string): string {
  return maskSecretsInText(url);
}

/** Extra fields the engine reads back from its own errors. */
export interface ImageErrorDetails {
  readonly [key: string]: unknown;
}

/** True when a resumed download may cure the failure. */
export function isRetryable(error: unknown): boolean {
  const details = (error as { details?: { retryable?: unknown } } | null)?.details;
  return details?.retryable === true;
}

const messageOf = (cause: unknown) => maskSecretsInText(String((cause as Error)?.message ?? cause));

interface Built {
  message: string;
  details?: ImageErrorDetails;
  cause?: unknown;
  retryable?: boolean;
}

/** An image error from one builder; its details always say whether a resumed download may cure it. */
function image<A extends unknown[]>(code: string, build: (...args: A) => Built, status = 500): ErrorSpec<A> {
  return {
    code,
    status,
    message: (...args) => build(...args).message,
    details: (...args) => {
      const b = build(...args);
      return { ...b.details, retryable: b.retryable ?? false };
    },
    cause: (...args) => build(...args).cause,
  };
}

const catalogue = defineErrorCatalogue({
  invalidImageInfo: image("ImageInfoInvalid", (message: string, issues?: unknown) => ({ message: `Invalid image_info: ${message}`, details: { issues } }), 400),
  urlRefused: image("ImageUrlRefused", (url: string, reason: string) => ({ message: `Image URL ${shownUrl(url)} refused: ${reason}`, details: { url: shownUrl(url) } }), 400),
  checksumUnsupported: image("ImageChecksumUnsupported", (message: string) => ({ message }), 400),
  checksumFileInvalid: image("ImageChecksumFileInvalid", (url: string, message: string) => ({ message: `Checksum file ${shownUrl(url)}: ${message}`, details: { url: shownUrl(url) } })),
  checksumMismatch: image("ImageChecksumMismatch", (algo: string, expected: string, actual: string) => ({
    message: `Image ${algo} checksum mismatch: expected ${expected}, got ${actual}`,
    details: { algo, expected, actual },
  })),
  httpStatus: image("ImageHttpStatus", (url: string, status: number, retryable: boolean) => ({
    message: `Image server answered HTTP ${status} for ${shownUrl(url)}`,
    details: { url: shownUrl(url), http_status: status },
    retryable,
  })),
  connection: image("ImageConnectionFailed", (url: string, cause: unknown) => ({
    message: `Image download from ${shownUrl(url)} failed: ${messageOf(cause)}`,
    details: { url: shownUrl(url) },
    cause,
    retryable: true,
  })),
  stalled: image("ImageDownloadStalled", (url: string, seconds: number, offset: number) => ({
    message: `No bytes from ${shownUrl(url)} for ${seconds} s at offset ${offset}`,
    details: { url: shownUrl(url), offset },
    retryable: true,
  })),
  shortRead: image("ImageShortRead", (url: string, received: number, expected: number) => ({
    message: `Image stream from ${shownUrl(url)} ended at ${received} of ${expected} bytes`,
    details: { url: shownUrl(url), received, expected },
    retryable: true,
  })),
  lengthMismatch: image("ImageLengthMismatch", (url: string, message: string) => ({ message: `Image from ${shownUrl(url)}: ${message}`, details: { url: shownUrl(url) } })),
  downloadFailed: image("ImageDownloadFailed", (url: string, attempts: number, last: unknown) => ({
    message: `Image download from ${shownUrl(url)} failed after ${attempts} attempts: ${messageOf(last)}`,
    details: { url: shownUrl(url), attempts, last_details: (last as { details?: unknown })?.details },
    cause: last,
  })),
  timedOut: image("ImageDownloadTimeout", (url: string, seconds: number) => ({ message: `Image download from ${shownUrl(url)} exceeded ${seconds} s`, details: { url: shownUrl(url) } })),
  formatMismatch: image(
    "ImageFormatMismatch",
    (declared: string, detected: string) => ({
      message: `Image declared as ${declared} but its bytes are ${detected}; refusing to write it`,
      details: { declared, detected },
    }),
    400,
  ),
  formatNotPermitted: image(
    "ImageFormatNotPermitted",
    (format: string, permitted: string[]) => ({
      message: `Image format ${format} is not permitted here (permitted_image_formats: ${permitted.join(", ")})`,
      details: { format, permitted },
    }),
    400,
  ),
  formatUnsupported: image("ImageFormatUnsupported", (format: string) => ({ message: `Image format ${format} is not supported`, details: { format } }), 400),
  qcow2Invalid: image("ImageQcow2Invalid", (message: string) => ({ message: `qcow2: ${message}` })),
  qcow2Unsupported: image("ImageQcow2Unsupported", (message: string) => ({ message: `qcow2: ${message}` }), 400),
  diskFull: image("ImageDiskFull", (device: string, needed: number, size: number) => ({
    message: `Image needs ${needed} bytes but ${device} holds ${size}`,
    details: { device, needed, size },
  })),
  deviceIo: image("ImageDeviceIo", (device: string, operation: string, cause: unknown) => ({
    message: `${operation} on ${device} failed: ${(cause as Error)?.message ?? String(cause)}`,
    details: { device, operation, errno: (cause as { code?: string })?.code },
    cause,
  })),
  decompress: image("ImageDecompressFailed", (format: string, cause: unknown) => ({
    message: `${format} decompression failed: ${(cause as Error)?.message ?? String(cause)}`,
    details: { format },
    cause,
  })),
  aborted: image("ImageAborted", () => ({ message: "Image write aborted" })),
  configdriveInvalid: image("ConfigdriveInvalid", (message: string) => ({ message: `Config drive: ${message}` }), 400),
  configdriveWrite: image("ConfigdriveWriteFailed", (message: string, details?: ImageErrorDetails) => ({ message: `Config drive: ${message}`, details })),
  rootPartitionTooSmall: image("ImageDiskFull", (partition: string, needed: number, size: number, cause?: unknown) => ({
    message: `Image needs ${needed >= 0 ? `${needed} bytes` : "more space"} but the root partition ${partition} holds ${size} bytes (root_mb=${Math.floor(size / 2 ** 20)})`,
    details: { device: partition, needed, size, root_partition: true },
    cause,
  })),
  layoutTooLarge: image("ImageDiskFull", (device: string, needed: number, size: number) => ({
    message: `The partition layout needs ${needed} bytes but ${device} holds ${size}`,
    details: { device, needed, size },
  })),
  partitioning: image("ImagePartitioningFailed", (message: string, details?: ImageErrorDetails) => ({ message: `Partitioning: ${message}`, details })),
  toolMissing: image(
    "ImageToolMissing",
    (tools: string[], why: string) => ({ message: `${tools.join(", ")} not found in this ramdisk (needed ${why})`, details: { tools } }),
    400,
  ),
  preserveEphemeral: image(
    "ImagePreserveEphemeralFailed",
    (message: string, details?: ImageErrorDetails) => ({ message: `Cannot preserve the ephemeral partition: ${message}`, details }),
    400,
  ),
  // Raised by the generic hardware manager around the engine.
  deviceInUse: image("ImageDeviceInUse", (device: string, reasons: string[]) => ({
    message: `Refusing to write the image to ${device}: ${reasons.join("; ")}`,
    details: { device, reasons },
  })),
  noInstallDevice: image("ImageNoInstallDevice", (device: unknown) => ({ message: "get_os_install_device returned no device path", details: { device } })),
  writeFailed: image("ImageWriteFailed", (device: string, cause: unknown) => ({
    message: `Writing the image to ${device} failed: ${(cause as Error)?.message ?? cause}`,
  })),
} satisfies ErrorSpecs);

/**
 * The catalogue. Codes are stable: the conductor and operators match on them.
 * `retriesExhausted` keeps the last attempt's code (a short read stays a short read).
 * @example
 * throw ImageErrors.checksumMismatch("sha256", expected, actual);
 * if (hasCode(error, ImageErrors.codes.httpStatus)) ...
 */
export const ImageErrors = Object.freeze({
  ...catalogue,
  codes: catalogue.codes,
  owns: catalogue.owns,
  retriesExhausted(url: string, attempts: number, last: unknown): TeethError {
    const e = catalogue.downloadFailed(url, attempts, last);
    const code = (last as { code?: unknown })?.code;
    if (typeof code !== "string") return e;
    return new TeethError(code, e.message, { status: e.status, details: e.details, cause: last });
  },
});
