/**
 * @module machine/image/write-image
 * The orchestrator: validate, resolve the checksum, then for each URL in turn stream the
 * image through hash -> (decompress) -> format check -> raw or qcow2 writer -> disk, verify,
 * sync. A partition image first gets its partitions (`partition-image.ts`) and is streamed
 * into the root partition. Any failure once the disk is open leaves it wiped (no bootable
 * table).
 */
import { hasCode } from "../../common/error-catalogue.ts";
import { describeZodError } from "../../common/zod-issues.ts";
import fs from "node:fs";
import type { Exec } from "../../common/exec.ts";
import type { Logger } from "../../common/logger.ts";
import { ImageInfoSchema, type ImageInfo, type ImageProgress } from "../../protocol/image-info.ts";
import { openBlockTarget, type BlockTarget } from "./block-target.ts";
import { rereadPartitions } from "./block-ioctl.ts";
import { peek, tap } from "./byte-stream.ts";
import { createStreamHasher, resolveExpectedChecksum, type ExpectedChecksum } from "./checksum.ts";
import { loadConfigDrive, writeConfigDrive, type ConfigDriveResult } from "./configdrive.ts";
import { decompress } from "./decompress.ts";
import { createDiskWriter, type DiskWriter, type DiskWriterOptions } from "./disk-writer.ts";
import { ImageErrors, isRetryable, shownUrl } from "./errors.ts";
import { checkDeclared, checkPermitted, detectFormat, isCompression, DEFAULT_PERMITTED_FORMATS, DETECT_BYTES, type Compression } from "./format-detect.ts";
import { fetchBytes, fetchText, type HttpSettings } from "./http-request.ts";
import { createMemoryPacer, type MemoryPacer } from "./memory-pacer.ts";
import { createProgressTracker, type ProgressTracker } from "./progress.ts";
import { createClusterMap } from "./qcow2/cluster-map.ts";
import { parseQcow2Header, QCOW2_HEADER_BYTES } from "./qcow2/header.ts";
import { loadClusterMap } from "./qcow2/range-map.ts";
import { writeQcow2Stream } from "./qcow2/stream-writer.ts";
import { asRootPartitionError, createPartitions, planPartitionImage, wipePartitionedDisk, type PartitionedDisk } from "./partition-image.ts";
import { readPartitionImageUuids } from "./partition-image-uuids.ts";
import { partitionUuids } from "./partition-table.ts";
import { openResumableStream, readRange } from "./resumable-stream.ts";
import { DEFAULT_DOWNLOAD, httpSettingsFor, imageFileName, type DownloadSettings } from "./source-settings.ts";
import { wipeHeadAndTail } from "./wipe.ts";
import { isTeethError } from "../../common/branded-error.ts";

export interface WriteImageOptions {
  /** Whole-disk target, e.g. `/dev/sda`. */
  device: string;
  /** IPA `image_info`; validated here. */
  imageInfo: unknown;
  /** gzip+base64 text or an http(s) URL; written to a `config-2` partition. */
  configdrive?: string | null;
  logger: Logger;
  exec: Exec;
  onProgress?: (progress: ImageProgress) => void;
  signal?: AbortSignal;
  download?: Partial<DownloadSettings>;
  md5Allowed?: boolean;
  /** The conductor's `permitted_image_formats` (IPA's names); default raw, gpt, qcow2, iso. */
  permittedFormats?: readonly string[];
  /** Skip TLS verification of the image server. */
  insecure?: boolean;
  /** Tuning of the disk writer (buffer sizes); defaults suit disks. */
  writer?: DiskWriterOptions;
  /** Downloaded bytes between garbage collections (memory-pacer); default 16 MiB. */
  gcEveryBytes?: number;
  /** Partition images: how long to wait for the kernel's partition nodes; default 30 s. */
  partitionNodeTimeoutMs?: number;
}

export interface WriteImageResult {
  device: string;
  /** The URL written from, credentials masked. */
  url: string;
  /** Disk format written: `raw` or `qcow2`. */
  format: "raw" | "qcow2";
  compression: Compression | null;
  /** How qcow2 metadata was read: `range` (HTTP Range) or `stream`. */
  qcow2_metadata: "range" | "stream" | null;
  bytes_downloaded: number;
  /** Bytes of disk image produced (raw size or qcow2 virtual size). */
  image_size: number;
  bytes_written: number;
  bytes_zeroed: number;
  checksum: { algo: string; value: string; verified: true };
  resumes: number;
  duration_s: number;
  configdrive: ConfigDriveResult | null;
  image_type: "partition" | "whole-disk";
  /** Partition image: the root filesystem's UUID (else PARTUUID); whole disk: the disk identifier. */
  "root uuid": string | null;
  "efi system partition uuid": string | null;
  /** Partition image: IPA's map of `root`, `swap`, `ephemeral`, `efi system partition`, `configdrive`, `bios boot` to nodes. */
  partitions: Record<string, string>;
}

interface Attempt {
  format: "raw" | "qcow2";
  compression: Compression | null;
  qcow2Metadata: "range" | "stream" | null;
  downloaded: number;
  imageSize: number;
  resumes: number;
}

function parseImageInfo(raw: unknown): ImageInfo {
  const parsed = ImageInfoSchema.safeParse(raw);
  if (!parsed.success) {
    throw ImageErrors.invalidImageInfo(describeZodError(parsed.error, { root: "image_info" }), parsed.error.issues);
  }
  return parsed.data;
}

/**
 * Streams `imageInfo` to `device`, verified. Resolves with what was written; rejects with a
 * TeethError (code IMAGE_*), after wiping the disk's head and tail.
 * @example
 * const result = await writeImage({
 *   device: "/dev/sda", imageInfo: { id: "x", urls: ["http://img/x.qcow2"], os_hash_algo: "sha256", os_hash_value: "...", disk_format: "qcow2" },
 *   logger, exec, onProgress: (p) => console.log(p.bytes_written),
 * });
 */
export async function writeImage(options: WriteImageOptions): Promise<WriteImageResult> {
  const started = performance.now();
  const signal = options.signal ?? new AbortController().signal;
  const download = { ...DEFAULT_DOWNLOAD, ...options.download };
  const info = parseImageInfo(options.imageInfo);
  const settings = httpSettingsFor(info, { insecure: options.insecure ?? false, connectionTimeoutS: download.connectionTimeoutS });
  const logger = options.logger.child({ image: info.id, device: options.device });
  const progress = createProgressTracker(options.onProgress);

  progress.stage("checksum");
  const expected = await resolveExpectedChecksum(info, {
    md5Allowed: options.md5Allowed ?? false,
    imageFileName: imageFileName(info.urls[0]!),
    fetchText: (url) => fetchText(url, settings, signal),
  });
  // Decoded before the disk is touched: a bad config drive must not cost the disk.
  const configdrive = options.configdrive
    ? await loadConfigDrive(options.configdrive, (url, max) => fetchBytes(url, settings, signal, max))
    : null;

  // A partition image's layout is checked against the disk before anything is written.
  const plan =
    info.image_type === "partition"
      ? await planPartitionImage({ device: options.device, info, configdriveBytes: configdrive?.length ?? 0, exec: options.exec })
      : null;

  const memory = createMemoryPacer(options.gcEveryBytes);
  let target: BlockTarget | null = null;
  let writer: DiskWriter | null = null;
  let disk: PartitionedDisk | null = null;
  const closeTarget = () => {
    target?.close();
    target = null;
  };
  try {
    if (plan) {
      progress.stage("partition");
      disk = await createPartitions(plan, { configdrive, exec: options.exec, logger, signal, nodeTimeoutMs: options.partitionNodeTimeoutMs });
    }
    const opened = openBlockTarget(disk?.root ?? options.device);
    target = opened;
    let attempt: Attempt | null = null;
    let url = "";
    let lastError: unknown = null;
    for (const candidate of info.urls) {
      url = candidate;
      writer = createDiskWriter(opened, { ...options.writer, onWritten: (n) => progress.written(n) });
      try {
        attempt = await writeFromUrl({
          url, info, settings, download, expected, target: opened, writer, progress, memory, logger, signal,
          permitted: options.permittedFormats ?? DEFAULT_PERMITTED_FORMATS,
        });
        break;
      } catch (error) {
        lastError = error;
        await writer.settle();
        const sourceProblem = isRetryable(error) || hasCode(error, ImageErrors.codes.httpStatus);
        if (!sourceProblem || signal.aborted || candidate === info.urls[info.urls.length - 1]) throw error;
        logger.warn({ url: shownUrl(url), err: error }, "image URL failed; trying the next one");
      }
    }
    if (!attempt) throw lastError;
    progress.stage("sync");
    const stats = await writer!.finish();
    let configResult: ConfigDriveResult | null = disk?.configdrive ?? null;
    if (configdrive && !disk) {
      progress.stage("configdrive");
      configResult = await writeConfigDrive({ device: options.device, data: configdrive, exec: options.exec, logger });
    }
    if (!disk) rereadPartitionTable(opened);
    const uuids = disk ? await readPartitionImageUuids(disk.nodes, options.exec) : await partitionUuids(options.device, options.exec);
    progress.stage("done");
    const result: WriteImageResult = {
      device: options.device,
      // The result travels to the conductor (step progress, last_error): no credentials in it.
      url: shownUrl(url),
      format: attempt.format,
      compression: attempt.compression,
      qcow2_metadata: attempt.qcow2Metadata,
      bytes_downloaded: attempt.downloaded,
      image_size: attempt.imageSize,
      bytes_written: stats.bytesWritten,
      bytes_zeroed: stats.bytesZeroed,
      checksum: { algo: expected.algo, value: expected.value, verified: true },
      resumes: attempt.resumes,
      duration_s: Math.round(performance.now() - started) / 1000,
      configdrive: configResult,
      image_type: disk ? "partition" : "whole-disk",
      "root uuid": uuids["root uuid"],
      "efi system partition uuid": uuids["efi system partition uuid"],
      partitions: uuids.partitions,
    };
    logger.info({ result }, "image written");
    return result;
  } catch (error) {
    await writer?.settle();
    const size = target?.size ?? 0;
    // Closed first: an open partition would keep the kernel from dropping the wiped table.
    closeTarget();
    if (plan || size) progress.stage("wipe");
    if (plan) wipePartitionedDisk(plan, logger);
    else if (size) wipeHeadAndTail(options.device, size, logger);
    const failure = disk ? asRootPartitionError(error, disk.root, size) : error;
    throw signal.aborted && !isTeethError(failure) ? ImageErrors.aborted() : failure;
  } finally {
    closeTarget();
    memory.release();
  }
}

function rereadPartitionTable(target: BlockTarget): void {
  if (!target.isBlockDevice) return;
  // Best effort: the new table matters to whoever boots, not to the write itself.
  try {
    const fd = fs.openSync(target.path, "r");
    rereadPartitions(fd);
    fs.closeSync(fd);
  } catch {
    // A busy device keeps its old view until reboot; the bytes on disk are right.
  }
}

interface UrlJob {
  url: string;
  info: ImageInfo;
  settings: HttpSettings;
  download: DownloadSettings;
  expected: ExpectedChecksum;
  target: BlockTarget;
  writer: DiskWriter;
  progress: ProgressTracker;
  memory: MemoryPacer;
  logger: Logger;
  signal: AbortSignal;
  permitted: readonly string[];
}

async function writeFromUrl(job: UrlJob): Promise<Attempt> {
  const { url, settings, download, target, writer, progress, logger, signal } = job;
  progress.stage("connect");
  const streamOptions = { url, settings, policy: download, signal, logger };
  const stream = await openResumableStream(streamOptions);
  // On its own thread: the hash is half of the main thread's work on a raw image.
  const hasher = createStreamHasher(job.expected.algo, true);
  try {
    progress.setTotal(stream.totalBytes);
    const wire = tap(stream, (chunk) => {
      hasher.update(chunk);
      progress.downloaded(chunk.length);
      // Chunks the transport frees itself leave nothing to collect.
      if (!stream.freesChunks) job.memory.add(chunk.length);
    });
    const outer = await peek(wire, DETECT_BYTES);
    const outerFormat = detectFormat(outer.head);
    let plain = outer.stream;
    let head = outer.head;
    let compression: Compression | null = null;
    if (isCompression(outerFormat)) {
      compression = outerFormat;
      const inner = await peek(decompress(outerFormat, outer.stream), QCOW2_HEADER_BYTES);
      plain = inner.stream;
      head = inner.head;
    } else if (outerFormat === "qcow2" && head.length < QCOW2_HEADER_BYTES) {
      const more = await peek(plain, QCOW2_HEADER_BYTES);
      plain = more.stream;
      head = more.head;
    }
    const format = checkDeclared(detectFormat(head), job.info.disk_format);
    checkPermitted(format, head, job.info.disk_format, job.permitted);
    logger.info({ url: shownUrl(url), format, compression, total: stream.totalBytes, ranges: stream.acceptsRanges }, "writing image");
    progress.stage("download");

    let imageSize = 0;
    let qcow2Metadata: Attempt["qcow2Metadata"] = null;
    if (format === "raw") {
      if (!compression && stream.totalBytes !== null && stream.totalBytes > target.size) {
        throw ImageErrors.diskFull(target.path, stream.totalBytes, target.size);
      }
      for await (const chunk of plain) {
        await writer.write(imageSize, chunk);
        imageSize += chunk.length;
      }
    } else {
      const header = parseQcow2Header(head);
      if (header.virtualSize > target.size) throw ImageErrors.diskFull(target.path, header.virtualSize, target.size);
      qcow2Metadata = !compression && stream.acceptsRanges ? "range" : "stream";
      if (qcow2Metadata === "range") progress.stage("metadata");
      const map =
        qcow2Metadata === "range"
          ? await loadClusterMap(header, (offset, length) => readRange(streamOptions, offset, length))
          : createClusterMap(header);
      progress.stage("download");
      const r = await writeQcow2Stream(plain, { map, writer, onDataDone: () => progress.stage("zeroing") });
      imageSize = r.virtualSize;
    }
    const actual = hasher.digest();
    if (actual !== job.expected.value) throw ImageErrors.checksumMismatch(job.expected.algo, job.expected.value, actual);
    return { format, compression, qcow2Metadata, downloaded: stream.position, imageSize, resumes: stream.resumes };
  } finally {
    hasher.close();
    await stream.close();
  }
}
