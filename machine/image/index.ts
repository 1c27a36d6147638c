/**
 * @module machine/image
 * The image engine: stream any image (raw, gzip/xz/zstd-compressed raw, qcow2) from HTTP to
 * a disk, verified as it arrives, resumable, in bounded memory. Used by the generic hardware
 * manager's `prepare_image` and by the benchmark.
 *
 * @example
 * import { writeImage } from "./machine/image/index.ts";
 * const result = await writeImage({ device: "/dev/sda", imageInfo, logger, exec, onProgress });
 */
export { writeImage, type WriteImageOptions, type WriteImageResult } from "./write-image.ts";
export { ImageErrors, isRetryable } from "./errors.ts";
export { DEFAULT_DOWNLOAD, type DownloadSettings } from "./source-settings.ts";
export { partitionUuids, readPartitionTable, type PartitionUuids } from "./partition-table.ts";
export { detectFormat, checkDeclared } from "./format-detect.ts";
export { CONFIGDRIVE_MAX_BYTES } from "./configdrive.ts";
export { writeConfigDriveOnly, type ConfigDriveOnlyResult } from "./configdrive-only.ts";
export { diskFingerprint } from "./disk-fingerprint.ts";
