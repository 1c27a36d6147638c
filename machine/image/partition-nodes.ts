/**
 * @module machine/image/partition-nodes
 * The device nodes of a freshly written partition table, and what blkid says of them. The
 * kernel is asked to re-read the table (BLKRRPART), then `partx -u` adds what it did not
 * (partitions through BLKPG, for kernels without the table's parser or a refused re-read).
 * A partition counts only once the kernel has it where the table says (start and size in
 * `/sys/class/block`, so a refused re-read cannot leave the old layout in place) and its node
 * is the kernel's (same major:minor), so a stale node left in /dev never receives the image.
 */
import fs from "node:fs";
import path from "node:path";
import type { Exec } from "../../common/exec.ts";
import { rereadPartitions } from "./block-ioctl.ts";
import { ImageErrors } from "./errors.ts";

/** Default wait for partition nodes to appear. */
export const PARTITION_NODE_TIMEOUT_MS = 30_000;
const POLL_MS = 100;
/** Re-run `partx -u` this often while waiting (udev or the kernel may have raced it). */
const PARTX_EVERY_MS = 2_000;

interface KernelPartition {
  name: string;
  dev: string;
  /** In 512-byte units, as sysfs counts whatever the sector size. */
  start: number;
  size: number;
}

/** A partition as written to the table. */
export interface ExpectedPartition {
  number: number;
  startBytes: number;
  sizeBytes: number;
}

/** Partitions the kernel knows on `disk`, by number, from sysfs. */
function kernelPartitions(disk: string): Map<number, KernelPartition> {
  const found = new Map<number, KernelPartition>();
  let diskName: string;
  try {
    diskName = path.basename(fs.realpathSync(disk));
  } catch {
    return found;
  }
  const dir = `/sys/class/block/${diskName}`;
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return found;
  }
  for (const name of entries) {
    try {
      const read = (file: string) => fs.readFileSync(`${dir}/${name}/${file}`, "utf8").trim();
      found.set(Number(read("partition")), { name, dev: read("dev"), start: Number(read("start")), size: Number(read("size")) });
    } catch {
      // Not a partition (queue/, holders/, ...).
    }
  }
  return found;
}

/** `major:minor` of a block device node, or null when it is missing or not a block device. */
function nodeDev(node: string): string | null {
  try {
    const st = fs.statSync(node, { bigint: true });
    if (!st.isBlockDevice()) return null;
    const d = st.rdev;
    const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn);
    const minor = (d & 0xffn) | ((d >> 12n) & ~0xffn);
    return `${major}:${minor}`;
  } catch {
    return null;
  }
}

/** Why `expected` is not usable yet, or null when its node is ready. */
function notReady(p: ExpectedPartition, k: KernelPartition | undefined): string | null {
  if (!k) return `the kernel does not show partition ${p.number}`;
  if (k.start * 512 !== p.startBytes || k.size * 512 !== p.sizeBytes) {
    return `the kernel still has partition ${p.number} at ${k.start * 512} with ${k.size * 512} bytes, the table says ${p.startBytes} with ${p.sizeBytes}`;
  }
  const node = `/dev/${k.name}`;
  const dev = nodeDev(node);
  if (dev === k.dev) return null;
  return dev ? `${node} is the stale node ${dev}, the kernel's partition is ${k.dev}` : `${node} does not exist`;
}

/**
 * Makes the kernel see `disk`'s table and waits until every `expected` partition is in place
 * with its node. Resolves with the node of each, by number; throws ImagePartitioningFailed
 * after `timeoutMs`.
 * @example
 * const nodes = await settlePartitionNodes("/dev/sda", layout.partitions, exec); // Map { 1 => "/dev/sda1", ... }
 */
export async function settlePartitionNodes(
  disk: string,
  expected: ExpectedPartition[],
  exec: Exec,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<Map<number, string>> {
  try {
    const fd = fs.openSync(disk, "r");
    rereadPartitions(fd);
    fs.closeSync(fd);
  } catch {
    // partx below does the work when the re-read cannot.
  }
  const deadline = Date.now() + (options.timeoutMs ?? PARTITION_NODE_TIMEOUT_MS);
  let nextPartx = 0;
  let problem = "";
  for (;;) {
    if (Date.now() >= nextPartx) {
      await exec("partx", ["-u", disk], { timeoutMs: 30_000 });
      nextPartx = Date.now() + PARTX_EVERY_MS;
    }
    const kernel = kernelPartitions(disk);
    const nodes = new Map<number, string>();
    problem = "";
    for (const p of expected) {
      problem = notReady(p, kernel.get(p.number)) ?? "";
      if (problem) break;
      nodes.set(p.number, `/dev/${kernel.get(p.number)!.name}`);
    }
    if (!problem) return nodes;
    if (Date.now() >= deadline || options.signal?.aborted) break;
    await Bun.sleep(POLL_MS);
  }
  const seconds = (options.timeoutMs ?? PARTITION_NODE_TIMEOUT_MS) / 1000;
  throw ImageErrors.partitioning(`partition nodes of ${disk} did not appear within ${seconds} s: ${problem}`, { device: disk });
}

/**
 * What `blkid -p` (the device itself, not blkid's cache, which predates the write) says of a
 * node: `UUID`, `LABEL`, `TYPE`, `PART_ENTRY_UUID`, ...; empty when it finds nothing.
 * @example
 * (await probeBlock("/dev/sda4", exec)).get("LABEL") // "config-2"
 */
export async function probeBlock(node: string, exec: Exec): Promise<Map<string, string>> {
  const r = await exec("blkid", ["-p", "-o", "export", node], { timeoutMs: 30_000 });
  const fields = new Map<string, string>();
  for (const line of r.stdout.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return fields;
}

/**
 * IPA's `block_uuid`: the filesystem UUID of a partition, else its PARTUUID; null if neither.
 * @example
 * await blockUuid("/dev/sda4", exec) // "2203c5ae-3e89-4427-ab18-f9342eb14613"
 */
export async function blockUuid(node: string, exec: Exec): Promise<string | null> {
  const fields = await probeBlock(node, exec);
  return fields.get("UUID") || fields.get("PART_ENTRY_UUID") || null;
}
