/**
 * @module machine/image/configdrive-only
 * The second half of a deploy whose image is already on the disk (pre-staged with
 * `cache_image`): decode the config drive (gzip+base64 text or a URL, as `write-image.ts`
 * does), write it into the `config-2` partition, re-read the partition table. The image's
 * bytes are not touched.
 */
import fs from "node:fs";
import type { Exec } from "../../common/exec.ts";
import type { Logger } from "../../common/logger.ts";
import type { ImageInfo } from "../../protocol/image-info.ts";
import { rereadPartitions } from "./block-ioctl.ts";
import { loadConfigDrive, writeConfigDrive, type ConfigDriveResult } from "./configdrive.ts";
import { fetchBytes } from "./http-request.ts";
import { partitionUuids, type PartitionUuids } from "./partition-table.ts";
import { DEFAULT_DOWNLOAD, httpSettingsFor, type DownloadSettings } from "./source-settings.ts";

export interface ConfigDriveOnlyOptions {
  device: string;
  /** The deploy's image_info (its proxies and image server credentials apply to a configdrive URL). */
  imageInfo: ImageInfo;
  configdrive: string | null;
  logger: Logger;
  exec: Exec;
  signal?: AbortSignal;
  insecure?: boolean;
  download?: Partial<DownloadSettings>;
}

export interface ConfigDriveOnlyResult {
  configdrive: ConfigDriveResult | null;
  uuids: PartitionUuids;
  duration_s: number;
}

/**
 * @example
 * const r = await writeConfigDriveOnly({ device: "/dev/vda", imageInfo, configdrive, logger, exec });
 * r.configdrive?.bytes; // what was written, nothing else
 */
export async function writeConfigDriveOnly(options: ConfigDriveOnlyOptions): Promise<ConfigDriveOnlyResult> {
  const started = performance.now();
  const signal = options.signal ?? new AbortController().signal;
  const download = { ...DEFAULT_DOWNLOAD, ...options.download };
  const settings = httpSettingsFor(options.imageInfo, { insecure: options.insecure ?? false, connectionTimeoutS: download.connectionTimeoutS });
  let configdrive: ConfigDriveResult | null = null;
  if (options.configdrive) {
    const data = await loadConfigDrive(options.configdrive, (url, max) => fetchBytes(url, settings, signal, max));
    configdrive = await writeConfigDrive({ device: options.device, data, exec: options.exec, logger: options.logger });
  } else {
    // Nothing to write; the kernel's view of the table is refreshed all the same.
    try {
      const fd = fs.openSync(options.device, "r");
      rereadPartitions(fd);
      fs.closeSync(fd);
    } catch {}
  }
  const uuids = await partitionUuids(options.device, options.exec);
  return { configdrive, uuids, duration_s: Math.round(performance.now() - started) / 1000 };
}
