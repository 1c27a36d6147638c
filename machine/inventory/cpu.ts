/**
 * @module machine/inventory/cpu
 * The `cpu` section: /proc/cpuinfo and /sys/devices/system/cpu are the ground truth; lscpu and
 * systeminformation only fill what those lack (model names on ARM, where the kernel prints
 * none; sockets when topology is hidden).
 */
import type { Exec } from "../../common/exec.ts";
import type { Logger } from "../../common/logger.ts";
import type { Cpu } from "../../protocol/inventory.ts";
import { nonEmpty, toInt, type HostFs } from "../host-fs.ts";
import type { SystemInfoProbe } from "./system-info.ts";

export interface CpuDeps {
  fs: HostFs;
  exec: Exec;
  logger: Logger;
  systemInfo: SystemInfoProbe | null;
}

/** One processor block of /proc/cpuinfo, keys lower-cased. */
export type CpuinfoBlock = Record<string, string>;

/** Splits /proc/cpuinfo into per-processor blocks. */
export function parseCpuinfo(text: string): CpuinfoBlock[] {
  const blocks: CpuinfoBlock[] = [];
  let current: CpuinfoBlock = {};
  for (const line of text.split("\n")) {
    const i = line.indexOf(":");
    if (!line.trim()) {
      if (Object.keys(current).length) blocks.push(current);
      current = {};
      continue;
    }
    if (i < 0) continue;
    current[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  if (Object.keys(current).length) blocks.push(current);
  return blocks;
}

/** Expands a kernel CPU list such as "0-3,8,10-11" into its count. */
export function countCpuList(list: string | null): number | null {
  if (!list) return null;
  let n = 0;
  for (const part of list.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return null;
    n += m[2] ? Number(m[2]) - Number(m[1]) + 1 : 1;
  }
  return n;
}

/** Node's architecture names mapped to the kernel's (`uname -m`), which IPA reports. */
const NODE_TO_KERNEL_ARCH: Record<string, string> = {
  x64: "x86_64",
  arm64: "aarch64",
  ia32: "i686",
  arm: "armv7l",
  ppc64: "ppc64le",
  s390x: "s390x",
  riscv64: "riscv64",
  loong64: "loongarch64",
};

async function architecture(deps: CpuDeps): Promise<string> {
  const fromProc = nonEmpty(await deps.fs.text("/proc/sys/kernel/arch"));
  if (fromProc) return fromProc;
  const r = await deps.exec("uname", ["-m"], { timeoutMs: 5000 });
  if (!r.failed && r.stdout.trim()) return r.stdout.trim();
  return processArchitecture();
}

/** The agent binary runs natively, so its own architecture, in the kernel's naming, is the machine's. */
export function processArchitecture(): string {
  return NODE_TO_KERNEL_ARCH[process.arch] ?? process.arch;
}

/** lscpu -J as a field map ("Model name" -> "Neoverse-N1"); null when lscpu is unusable. */
async function lscpuFields(deps: CpuDeps): Promise<Record<string, string> | null> {
  const r = await deps.exec("lscpu", ["-J"], { timeoutMs: 10_000 });
  if (r.failed) return null;
  try {
    const rows = (JSON.parse(r.stdout) as { lscpu: Array<{ field: string; data: string; children?: unknown[] }> }).lscpu;
    const out: Record<string, string> = {};
    const walk = (list: Array<{ field: string; data: string; children?: unknown[] }>) => {
      for (const row of list) {
        out[row.field.replace(/:$/, "").trim().toLowerCase()] = row.data;
        if (Array.isArray(row.children)) walk(row.children as typeof list);
      }
    };
    walk(rows);
    return out;
  } catch {
    return null;
  }
}

async function socketsFromTopology(fs: HostFs): Promise<number | null> {
  const ids = new Set<number>();
  for (const name of await fs.list("/sys/devices/system/cpu")) {
    if (!/^cpu\d+$/.test(name)) continue;
    const id = toInt(await fs.text(`/sys/devices/system/cpu/${name}/topology/physical_package_id`));
    if (id !== null && id >= 0) ids.add(id);
  }
  return ids.size || null;
}

/**
 * Collects the `cpu` section.
 * @example
 * const cpu = await collectCpu({ fs: createHostFs("/"), exec, logger, systemInfo: null });
 * cpu.count; // 2
 */
export async function collectCpu(deps: CpuDeps): Promise<Cpu> {
  const { fs, logger } = deps;
  const blocks = parseCpuinfo((await fs.text("/proc/cpuinfo")) ?? "");
  const processors = blocks.filter((b) => "processor" in b && /^\d+$/.test(b.processor ?? ""));
  const first = processors[0] ?? blocks[0] ?? {};

  let modelName = nonEmpty(first["model name"] ?? first["cpu model"] ?? first["processor"]?.replace(/^\d+$/, ""));
  let count = processors.length || countCpuList(await fs.text("/sys/devices/system/cpu/online"));
  const physicalIds = new Set(processors.map((b) => b["physical id"]).filter((v) => v !== undefined));
  let sockets = physicalIds.size || (await socketsFromTopology(fs));

  const maxKhz = toInt(await fs.text("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq"));
  // lscpu prints "CPU max MHz" with four decimals; IPA passes that string through.
  let frequency = maxKhz ? (maxKhz / 1000).toFixed(4) : nonEmpty(first["cpu mhz"]);
  const flagText = first["flags"] ?? first["features"];
  let flags = flagText ? flagText.split(/\s+/).filter(Boolean) : [];

  if (!modelName || !sockets || !count) {
    const lscpu = await lscpuFields(deps);
    if (!lscpu) logger.warn("lscpu unavailable; CPU model and sockets come from /proc and /sys only");
    modelName ??= nonEmpty(lscpu?.["model name"]);
    sockets ||= toInt(lscpu?.["socket(s)"] ?? null);
    count ||= toInt(lscpu?.["cpu(s)"] ?? null);
  }
  if (deps.systemInfo && (!sockets || !frequency || flags.length === 0)) {
    const info = await deps.systemInfo.cpu();
    if (!info.sockets && !info.maxMhz && !info.flags) {
      logger.warn("systeminformation returned no CPU data (lscpu, dmidecode or /bin/sh missing?)");
    }
    sockets ||= info.sockets;
    frequency ??= info.maxMhz !== null ? info.maxMhz.toFixed(4) : null;
    if (flags.length === 0) flags = info.flags ?? [];
  }

  return {
    model_name: modelName,
    frequency,
    count: count ?? 0,
    architecture: await architecture(deps),
    flags,
    socket_count: sockets || null,
  };
}
