/**
 * @module machine/image/configdrive
 * The config drive, as IPA writes it: gzip+base64 text or a URL (whose body may itself be
 * gzip+base64, or the raw ISO), at most 64 MiB, copied into a `config-2` partition. An
 * existing `config-2` partition is reused; otherwise one is created in the last 64 MiB of
 * the disk (sgdisk on GPT, after moving the backup header to the real end; parted on MBR).
 * A partition image's layout hands over the partition it made for it.
 * The bytes go to the partition's offset on the whole disk, so no partition node or udev
 * is needed.
 */
import fs from "node:fs";
import zlib from "node:zlib";
import type { Exec } from "../../common/exec.ts";
import type { Logger } from "../../common/logger.ts";
import { flushBuffers, rereadPartitions } from "./block-ioctl.ts";
import { ImageErrors } from "./errors.ts";
import { readPartitionTable, type Partition, type PartitionTable } from "./partition-table.ts";

export const CONFIGDRIVE_MAX_BYTES = 64 << 20;
const CONFIGDRIVE_LABEL = "config-2";

export interface ConfigDriveResult {
  partition: string;
  offset: number;
  bytes: number;
  created: boolean;
}

function unpack(bytes: Uint8Array): Uint8Array {
  let data = bytes;
  const text = Buffer.from(bytes).toString("latin1").trim();
  if (/^[A-Za-z0-9+/=\s]+$/.test(text) && text.length > 0) data = Buffer.from(text, "base64");
  if (data[0] === 0x1f && data[1] === 0x8b) {
    try {
      data = zlib.gunzipSync(data, { maxOutputLength: CONFIGDRIVE_MAX_BYTES + 1 });
    } catch (error) {
      throw ImageErrors.configdriveInvalid(`cannot gunzip: ${(error as Error).message}`);
    }
  }
  if (data.length === 0) throw ImageErrors.configdriveInvalid("empty");
  if (data.length > CONFIGDRIVE_MAX_BYTES) throw ImageErrors.configdriveInvalid(`larger than ${CONFIGDRIVE_MAX_BYTES} bytes`);
  return data;
}

/**
 * Decodes the config drive parameter into the bytes of the partition.
 * @example
 * const iso = await loadConfigDrive(params.configdrive, (url, max) => fetchBytes(url, settings, signal, max));
 */
export async function loadConfigDrive(
  value: string,
  fetchBytes: (url: string, maxBytes: number) => Promise<Uint8Array>,
): Promise<Uint8Array> {
  if (/^https?:\/\//i.test(value.trim())) {
    // base64 inflates by 4/3: allow for it on the wire.
    return unpack(await fetchBytes(value.trim(), Math.ceil((CONFIGDRIVE_MAX_BYTES * 4) / 3) + 4096));
  }
  return unpack(Buffer.from(value, "latin1"));
}

async function run(exec: Exec, file: string, args: string[]): Promise<string> {
  const r = await exec(file, args, { timeoutMs: 60_000 });
  if (r.failed) throw ImageErrors.configdriveWrite(`${r.command} failed: ${r.stderr.trim() || r.exitCode}`);
  return r.stdout;
}

async function createPartition(device: string, table: PartitionTable, exec: Exec): Promise<void> {
  if (table.label === "gpt") {
    // The image's backup GPT sits where the image ended, not at the end of this disk.
    await run(exec, "sgdisk", ["-e", device]);
    await run(exec, "sgdisk", ["-n", "0:-64MiB:0", "-c", `0:${CONFIGDRIVE_LABEL}`, "-t", "0:0700", device]);
    return;
  }
  const primaries = table.partitions.filter((p) => p.number <= 4).length;
  if (primaries >= 4 || table.partitions.some((p) => p.number > 4)) {
    throw ImageErrors.configdriveWrite("no free primary partition on the MBR disk for the config drive");
  }
  if (table.sizeBytes > 2 * 1024 ** 4) throw ImageErrors.configdriveWrite("MBR disks larger than 2 TiB cannot hold a config drive at their end");
  await run(exec, "parted", ["-a", "optimal", "-s", "--", device, "mkpart", "primary", "fat32", "-64MiB", "-0"]);
}

/** The image's `config-2` partition, or a new one at the end of the disk. */
async function findOrCreatePartition(device: string, exec: Exec): Promise<{ part: Partition; created: boolean }> {
  const table = await readPartitionTable(device, exec);
  if (!table) throw ImageErrors.configdriveWrite("the image has no partition table to add a config drive to", { device });
  const existing = table.partitions.find((p) => p.name === CONFIGDRIVE_LABEL);
  if (existing) return { part: existing, created: false };
  const before = new Set(table.partitions.map((p) => p.number));
  await createPartition(device, table, exec);
  const part = (await readPartitionTable(device, exec))?.partitions.find((p) => !before.has(p.number));
  if (!part) throw ImageErrors.configdriveWrite("the new config drive partition does not show up", { device });
  return { part, created: true };
}

export interface WriteConfigDriveOptions {
  device: string;
  data: Uint8Array;
  exec: Exec;
  logger: Logger;
  /** The partition to use, when the caller made it (a partition image's layout). */
  partition?: Pick<Partition, "node" | "startBytes" | "sizeBytes">;
}

/**
 * Writes `data` into the disk's `config-2` partition, creating it if needed.
 * @example
 * const r = await writeConfigDrive({ device: "/dev/sda", data: iso, exec, logger }); // { partition: "/dev/sda4", ... }
 */
export async function writeConfigDrive(options: WriteConfigDriveOptions): Promise<ConfigDriveResult> {
  const { device, data, exec, logger } = options;
  const { part, created } = options.partition
    ? { part: options.partition, created: true }
    : await findOrCreatePartition(device, exec);
  if (part.sizeBytes < data.length) {
    throw ImageErrors.configdriveWrite(`partition ${part.node} holds ${part.sizeBytes} bytes, config drive is ${data.length}`);
  }
  const fd = fs.openSync(device, "r+");
  try {
    fs.writeSync(fd, data, 0, data.length, part.startBytes);
    fs.fsyncSync(fd);
    flushBuffers(fd);
    rereadPartitions(fd);
  } catch (error) {
    throw ImageErrors.configdriveWrite(`write to ${device} failed: ${(error as Error).message}`);
  } finally {
    fs.closeSync(fd);
  }
  logger.info({ partition: part.node, bytes: data.length, created }, "config drive written");
  return { partition: part.node, offset: part.startBytes, bytes: data.length, created };
}
