/**
 * @module hardware-managers/generic/erase/overwrite
 * Software erase for devices without a usable hardware erase: `shred` (N random passes and an
 * optional final zero pass) or write-zeroes (`blkdiscard --zeroout`, which the kernel turns
 * into WRITE ZEROES or plain zero writes), each followed by reading zeros back.
 */
import type { HostFs } from "../../../machine/host-fs.ts";
import { describeFailure } from "../device/describe-failure.ts";
import type { EraseDeps, MethodOutcome } from "./outcome.ts";
import type { ZeroVerify } from "./settings.ts";

const MiB = 1024 * 1024;
/** Chunks read back in `sample` mode, spread evenly over the device (plus first and last MiB). */
const SAMPLE_CHUNKS = 64;

/** Device size in bytes from sysfs (512-byte units whatever the logical sector size). */
export async function deviceSize(fs: HostFs, path: string): Promise<number | null> {
  const text = await fs.text(`/sys/class/block/${path.replace(/^\/dev\//, "")}/size`);
  const sectors = Number(text?.trim());
  return Number.isFinite(sectors) && text !== null ? sectors * 512 : null;
}

/**
 * Reads the device back and returns the offset of the first non-zero byte, or null if every
 * byte read is zero.
 * @example
 * const bad = await findNonZero(realHostFs, "/dev/loop0", 64 * 1024 * 1024, "sample");
 */
export async function findNonZero(fs: HostFs, path: string, size: number, mode: ZeroVerify): Promise<number | null> {
  if (mode === "none" || size === 0) return null;
  const chunk = Math.min(mode === "full" ? 4 * MiB : MiB, size);
  const offsets = new Set<number>();
  if (mode === "full") {
    for (let o = 0; o < size; o += chunk) offsets.add(o);
  } else {
    const step = Math.max(chunk, Math.floor(size / SAMPLE_CHUNKS));
    for (let o = 0; o < size; o += step) offsets.add(o - (o % 512));
    offsets.add(Math.max(0, size - chunk));
  }
  for (const offset of [...offsets].sort((a, b) => a - b)) {
    const data = await fs.readAt(path, offset, Math.min(chunk, size - offset));
    if (!data) return offset;
    const i = data.findIndex((b) => b !== 0);
    if (i >= 0) return offset + i;
  }
  return null;
}

async function verifyZero(deps: EraseDeps, path: string, mode: ZeroVerify): Promise<string | null> {
  if (mode === "none") return null;
  const size = await deviceSize(deps.fs, path);
  if (size === null) return "cannot read device size to verify";
  const bad = await findNonZero(deps.fs, path, size, mode);
  return bad === null ? null : `read-back found non-zero data at offset ${bad}`;
}

/**
 * `shred --force --verbose --iterations N [--zero]`, as IPA runs it.
 * @example
 * await shredErase(deps, "/dev/sdb", { iterations: 1, zeroize: true, verify: "sample" });
 */
export async function shredErase(
  deps: EraseDeps,
  path: string,
  opts: { iterations: number; zeroize: boolean; verify: ZeroVerify },
): Promise<MethodOutcome> {
  if (opts.iterations === 0 && !opts.zeroize) {
    return { status: "failed", method: "shred", reason: "iterations is 0 and zeroize is false: shred would write nothing" };
  }
  const args = ["--force", "--verbose", "--iterations", String(opts.iterations), ...(opts.zeroize ? ["--zero"] : []), path];
  const r = await deps.exec("shred", args, { signal: deps.signal });
  if (r.failed) return { status: "failed", method: "shred", reason: describeFailure(r) };
  const notes = [`${opts.iterations} random pass(es)${opts.zeroize ? " + zero pass" : ""}`];
  // Only a final zero pass can be checked; random passes leave nothing to compare against.
  if (opts.zeroize) {
    const bad = await verifyZero(deps, path, opts.verify);
    if (bad) return { status: "failed", method: "shred", reason: bad };
    if (opts.verify !== "none") notes.push(`verified zeros (${opts.verify})`);
  }
  return { status: "done", method: "shred", notes };
}

/**
 * Write-zeroes then read back.
 * @example
 * await zeroErase(deps, "/dev/sdb", "full");
 */
export async function zeroErase(deps: EraseDeps, path: string, verify: ZeroVerify): Promise<MethodOutcome> {
  const r = await deps.exec("blkdiscard", ["--zeroout", "--force", path], { signal: deps.signal });
  if (r.failed) return { status: "failed", method: "zero", reason: describeFailure(r) };
  const bad = await verifyZero(deps, path, verify);
  if (bad) return { status: "failed", method: "zero", reason: bad };
  return { status: "done", method: "zero", notes: verify === "none" ? [] : [`verified zeros (${verify})`] };
}
