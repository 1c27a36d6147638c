/**
 * @module machine/kexec/mounted-partitions
 * Mounts every partition of the install disk read-only on a private temporary directory for
 * the length of one callback, then unmounts them all, whatever the callback did. ext3/ext4
 * are mounted with `noload` and XFS with `norecovery`, so not even a journal replay writes to
 * the freshly written image. A directory is removed only once it is unmounted.
 */
import { mkdir, mkdtemp, rmdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Exec } from "../../common/exec.ts";
import type { Logger } from "../../common/logger.ts";
import { KexecErrors } from "./errors.ts";
import type { ImagePartition } from "./partition.ts";

const MOUNTABLE = new Set(["ext2", "ext3", "ext4", "xfs", "vfat", "btrfs"]);
const EXTRA: Record<string, string> = { ext3: ",noload", ext4: ",noload", xfs: ",norecovery" };

interface LsblkRow {
  path?: string;
  type?: string;
  parttype?: string | null;
  partuuid?: string | null;
  uuid?: string | null;
  fstype?: string | null;
  children?: LsblkRow[];
}

const lower = (v: unknown) => (typeof v === "string" && v ? v.toLowerCase() : null);

/** Parses `lsblk -J -p -o PATH,TYPE,PARTTYPE,PARTUUID,UUID,FSTYPE <disk>`; numbers come from `partitionNumber`. */
export function parseLsblk(stdout: string): Array<Omit<ImagePartition, "dir" | "number">> {
  const rows = ((JSON.parse(stdout) as { blockdevices?: LsblkRow[] }).blockdevices ?? []).flatMap((d) => [d, ...(d.children ?? [])]);
  return rows
    .filter((r) => r.type === "part" && typeof r.path === "string")
    .map((r) => ({ device: r.path!, fsUuid: lower(r.uuid), partUuid: lower(r.partuuid), partType: lower(r.parttype), fsType: lower(r.fstype) }));
}

/** `blkid -p -o export` output as a map (`UUID`, `TYPE`, `PART_ENTRY_TYPE`, `PART_ENTRY_NUMBER`...). */
export function parseBlkidExport(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  return out;
}

/** The lsblk row completed by a low-level probe of the partition itself. */
async function probe(exec: Exec, row: Omit<ImagePartition, "dir" | "number">): Promise<{ row: Omit<ImagePartition, "dir" | "number">; number: number | null }> {
  const r = await exec("blkid", ["-p", "-o", "export", row.device]);
  // blkid exits 2 when it finds no file system: the partition table entry is still there.
  const b = parseBlkidExport(r.stdout);
  const get = (k: string) => lower(b.get(k));
  return {
    row: { device: row.device, fsUuid: get("UUID") ?? row.fsUuid, partUuid: get("PART_ENTRY_UUID") ?? row.partUuid, partType: get("PART_ENTRY_TYPE") ?? row.partType, fsType: get("TYPE") ?? row.fsType },
    number: Number(b.get("PART_ENTRY_NUMBER")) || null,
  };
}

export interface MountDeps {
  exec: Exec;
  logger: Logger;
  /** The partition number the kernel gives a partition (`/sys/class/block/<name>/partition`). */
  partitionNumber(device: string): Promise<number | null>;
  /** Parent of the private directory (default: the system temp dir). */
  tmpRoot?: string;
}

/**
 * @example
 * await withMountedPartitions("/dev/vda", deps, async (parts) => findBootEntry(parts));
 */
export async function withMountedPartitions<T>(disk: string, deps: MountDeps, fn: (partitions: ImagePartition[]) => Promise<T>): Promise<T> {
  await deps.exec("partprobe", [disk]);
  const ls = await deps.exec("lsblk", ["-J", "-p", "-o", "PATH,TYPE,PARTTYPE,PARTUUID,UUID,FSTYPE", disk]);
  if (ls.failed) throw KexecErrors.disk(`lsblk ${disk}: ${ls.stderr.trim() || `exit ${ls.exitCode}`}`);
  let rows;
  try {
    rows = parseLsblk(ls.stdout);
  } catch (e) {
    throw KexecErrors.disk(`lsblk ${disk} printed no JSON: ${(e as Error).message}`);
  }
  const base = await mkdtemp(join(deps.tmpRoot ?? tmpdir(), "teeth-kexec-"));
  const mounted: string[] = [];
  const partitions: ImagePartition[] = [];
  try {
    for (const [i, listed] of rows.entries()) {
      const probed = await probe(deps.exec, listed);
      const row = probed.row;
      const number = probed.number ?? (await deps.partitionNumber(row.device));
      let dir: string | null = null;
      if (row.fsType && MOUNTABLE.has(row.fsType)) {
        const target = join(base, `p${number ?? `x${i}`}`);
        await mkdir(target);
        const m = await deps.exec("mount", ["-t", row.fsType, "-o", `ro${EXTRA[row.fsType] ?? ""}`, row.device, target]);
        if (m.failed) {
          deps.logger.warn({ device: row.device, stderr: m.stderr.trim() }, "kexec: partition not mounted (skipped)");
          await rmdir(target).catch(() => {});
        } else {
          mounted.push(target);
          dir = target;
        }
      }
      partitions.push({ ...row, number, dir });
    }
    return await fn(partitions);
  } finally {
    let stuck = false;
    for (const target of mounted.reverse()) {
      const u = await deps.exec("umount", [target]);
      if (u.failed) {
        // Lazy detach: nothing may stay mounted, and a busy mount must not keep the disk.
        const lazy = await deps.exec("umount", ["-l", target]);
        if (lazy.failed) {
          stuck = true;
          deps.logger.error({ target, stderr: lazy.stderr.trim() }, "kexec: could not unmount");
          continue;
        }
      }
      await rmdir(target).catch(() => {});
    }
    if (!stuck) await rmdir(base).catch(() => {});
  }
}
