/**
 * @module hardware-managers/generic/device/device-facts
 * Gathers what the safety checks need to know about one block device: read-only flag,
 * partitions, holders, mounts, signatures and partition types.
 */
import type { Exec } from "../../../common/exec.ts";
import type { HostFs } from "../../../machine/host-fs.ts";

export interface Signature {
  device: string;
  type: string | null;
  label: string | null;
  partEntryType: string | null;
}

export interface DeviceFacts {
  path: string;
  /** Kernel name, e.g. `sda`, `nvme0n1`, `loop3`. */
  name: string;
  exists: boolean;
  readOnly: boolean;
  partitions: string[];
  /** Kernel holders (device-mapper, md) of the disk or its partitions. */
  holders: string[];
  /** Where the disk or a partition is mounted (or "[swap]"). */
  mounts: Array<{ device: string; mountpoint: string }>;
  /** `blkid -p` of the disk and each partition. */
  signatures: Signature[];
  /** Partition type GUIDs (lower case) or MBR ids (`0xfb`), from `sfdisk -J`. */
  partitionTypes: string[];
}

function parseExport(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** /proc/mounts escapes spaces and tabs as octal. */
const unescapeMount = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

async function partitionsOf(fs: HostFs, name: string): Promise<string[]> {
  const entries = await fs.list(`/sys/class/block/${name}`);
  const parts: string[] = [];
  for (const entry of entries) {
    if (!entry.startsWith(name)) continue;
    if ((await fs.text(`/sys/class/block/${name}/${entry}/partition`)) !== null) parts.push(entry);
  }
  return parts.sort();
}

async function mountsOf(fs: HostFs, paths: string[]): Promise<DeviceFacts["mounts"]> {
  const wanted = new Set(paths);
  const found: DeviceFacts["mounts"] = [];
  for (const line of ((await fs.text("/proc/mounts")) ?? "").split("\n")) {
    const [source, mountpoint] = line.split(" ");
    if (!source?.startsWith("/dev/") || !mountpoint) continue;
    const real = (await fs.resolve(unescapeMount(source))) ?? source;
    if (wanted.has(real)) found.push({ device: real, mountpoint: unescapeMount(mountpoint) });
  }
  for (const line of ((await fs.text("/proc/swaps")) ?? "").split("\n").slice(1)) {
    const source = line.split(/\s+/)[0];
    if (source && wanted.has(source)) found.push({ device: source, mountpoint: "[swap]" });
  }
  return found;
}

async function signatureOf(exec: Exec, device: string): Promise<Signature> {
  // -p probes the device itself (no cache, no udev: the RAM disk has neither reliably).
  const r = await exec("blkid", ["-p", "-o", "export", device]);
  const kv = r.failed ? {} : parseExport(r.stdout);
  return {
    device,
    type: kv.TYPE ?? null,
    label: kv.LABEL ?? null,
    partEntryType: kv.PART_ENTRY_TYPE?.toLowerCase() ?? null,
  };
}

async function partitionTypesOf(exec: Exec, device: string): Promise<string[]> {
  const r = await exec("sfdisk", ["--json", device]);
  if (r.failed) return [];
  try {
    const table = JSON.parse(r.stdout) as { partitiontable?: { partitions?: Array<{ type?: string }> } };
    return (table.partitiontable?.partitions ?? []).map((p) => {
      const t = String(p.type ?? "").toLowerCase();
      return /^[0-9a-f]{1,2}$/.test(t) ? `0x${t}` : t;
    });
  } catch {
    return [];
  }
}

/**
 * @example
 * const facts = await gatherDeviceFacts(ctx.exec, realHostFs, "/dev/sdb");
 * if (facts.mounts.length) refuse(`mounted at ${facts.mounts[0].mountpoint}`);
 */
export async function gatherDeviceFacts(exec: Exec, fs: HostFs, path: string): Promise<DeviceFacts> {
  const real = (await fs.resolve(path)) ?? path;
  const name = real.replace(/^\/dev\//, "");
  const exists = (await fs.text(`/sys/class/block/${name}/size`)) !== null;
  if (!exists) {
    return { path: real, name, exists, readOnly: false, partitions: [], holders: [], mounts: [], signatures: [], partitionTypes: [] };
  }
  const parts = await partitionsOf(fs, name);
  const holders = [...(await fs.list(`/sys/class/block/${name}/holders`))];
  for (const p of parts) holders.push(...(await fs.list(`/sys/class/block/${p}/holders`)));
  const devs = [real, ...parts.map((p) => `/dev/${p}`)];
  return {
    path: real,
    name,
    exists,
    readOnly: (await fs.text(`/sys/class/block/${name}/ro`))?.trim() === "1",
    partitions: parts.map((p) => `/dev/${p}`),
    holders,
    mounts: await mountsOf(fs, devs),
    signatures: await Promise.all(devs.map((d) => signatureOf(exec, d))),
    partitionTypes: await partitionTypesOf(exec, real),
  };
}
