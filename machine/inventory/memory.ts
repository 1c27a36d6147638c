/**
 * @module machine/inventory/memory
 * The `memory` section. `total` is what the kernel manages (MemTotal); `physical_mb` is what is
 * installed, summed from the SMBIOS type-17 (Memory Device) records the kernel exports under
 * /sys/firmware/dmi/entries, the same table dmidecode decodes.
 */
import type { Logger } from "../../common/logger.ts";
import type { Inventory } from "../../protocol/inventory.ts";
import type { HostFs } from "../host-fs.ts";
import type { SystemInfoProbe } from "./system-info.ts";

export type Memory = Inventory["memory"];

const MIB = 1024 * 1024;

/** MemTotal in bytes from /proc/meminfo text, or null. */
export function parseMemTotal(meminfo: string): number | null {
  const m = /^MemTotal:\s+(\d+)\s*kB/m.exec(meminfo);
  return m ? Number(m[1]) * 1024 : null;
}

/**
 * Size in MiB of one raw SMBIOS type-17 structure; 0 for an empty slot, null when unknown.
 * Offsets per DMTF DSP0134: 0x0C Size (WORD; 0xFFFF unknown, bit 15 set = KiB units,
 * 0x7FFF = see Extended Size), 0x1C Extended Size (DWORD, MiB, SMBIOS 2.7+).
 */
export function parseMemoryDeviceMib(raw: Uint8Array): number | null {
  if (raw.length < 0x0e || raw[0] !== 17) return null;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const size = view.getUint16(0x0c, true);
  if (size === 0xffff) return null;
  if (size === 0x7fff) {
    const length = raw[1] ?? 0;
    if (length < 0x20 || raw.length < 0x20) return null;
    return view.getUint32(0x1c, true) & 0x7fffffff;
  }
  return size & 0x8000 ? (size & 0x7fff) / 1024 : size;
}

async function dmiPhysicalMib(fs: HostFs): Promise<number | null> {
  let total = 0;
  let seen = false;
  for (const entry of await fs.list("/sys/firmware/dmi/entries")) {
    if (!entry.startsWith("17-")) continue;
    const raw = await fs.bytes(`/sys/firmware/dmi/entries/${entry}/raw`);
    const mib = raw ? parseMemoryDeviceMib(raw) : null;
    if (mib === null) continue;
    seen = true;
    total += mib;
  }
  return seen && total > 0 ? Math.round(total) : null;
}

/**
 * Collects the `memory` section.
 * @example
 * const memory = await collectMemory({ fs, logger, systemInfo: null });
 * memory.total; // 25276502016
 */
export async function collectMemory(deps: { fs: HostFs; logger: Logger; systemInfo: SystemInfoProbe | null }): Promise<Memory> {
  const total = parseMemTotal((await deps.fs.text("/proc/meminfo")) ?? "");
  if (total === null) throw new Error("MemTotal not found in /proc/meminfo");

  let physical = await dmiPhysicalMib(deps.fs);
  if (physical === null && deps.systemInfo) {
    const banks = await deps.systemInfo.memoryDevices();
    if (banks) physical = Math.round(banks.reduce((a, b) => a + b, 0) / MIB);
    else deps.logger.warn("no DMI memory devices (dmidecode missing or no SMBIOS); physical_mb from MemTotal");
  }
  // Without DMI (VMs without SMBIOS, some ARM boards) the kernel's figure is the best we have.
  return { total, physical_mb: physical ?? Math.round(total / MIB) };
}
