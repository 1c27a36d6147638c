/**
 * @module hardware-managers/generic/erase/metadata-wipe
 * Fast erase of what makes a disk look used: filesystem, RAID and partition-table signatures.
 * `wipefs --all --force` on each partition then the disk, zero the first and last MiB (MBR,
 * primary and backup GPT), then `sgdisk -Z`. Seconds per disk; for deploy-time cleaning.
 */
import { describeFailure } from "../device/describe-failure.ts";
import type { EraseDeps, MethodOutcome } from "./outcome.ts";
import { deviceSize } from "./overwrite.ts";

const MiB = 1024 * 1024;

/**
 * @example
 * const out = await metadataWipe(deps, "/dev/sdb", ["/dev/sdb1", "/dev/sdb2"]);
 */
export async function metadataWipe(deps: EraseDeps, path: string, partitions: readonly string[]): Promise<MethodOutcome> {
  const notes: string[] = [];
  // Partitions first: once the table is gone their signatures become unreachable but survive.
  for (const part of partitions) {
    const r = await deps.exec("wipefs", ["--all", "--force", part], { signal: deps.signal });
    if (r.failed) return { status: "failed", method: "metadata", reason: describeFailure(r) };
  }
  const wipe = await deps.exec("wipefs", ["--all", "--force", path], { signal: deps.signal });
  if (wipe.failed) return { status: "failed", method: "metadata", reason: describeFailure(wipe) };

  const size = await deviceSize(deps.fs, path);
  if (size === null) return { status: "failed", method: "metadata", reason: "cannot read device size" };
  const span = Math.min(MiB, size);
  const zeros = new Uint8Array(span);
  try {
    await deps.fs.writeAt(path, 0, zeros);
    if (size > span) await deps.fs.writeAt(path, size - span, zeros);
  } catch (error) {
    return { status: "failed", method: "metadata", reason: `zeroing first/last MiB: ${(error as Error).message}` };
  }

  // Belt and braces after the zeroing; a failure here is noted, not fatal (both GPT copies are gone).
  const zap = await deps.exec("sgdisk", ["-Z", path], { signal: deps.signal });
  if (zap.failed) notes.push(`sgdisk -Z failed (ignored): ${describeFailure(zap)}`);
  // Tell the kernel the partitions are gone so /dev/sdX1 stops pointing at old data
  // (partx -d: BLKRRPART is silently ignored on some kernels for loop devices).
  if (partitions.length) await deps.exec("partx", ["-d", path], { signal: deps.signal });
  notes.push(`wiped ${partitions.length} partition(s), zeroed first and last MiB`);
  return { status: "done", method: "metadata", notes };
}
