/**
 * @module machine/kexec/boot-loader-present
 * Whether the install disk can boot on its own after a later firmware reboot: an ESP holding
 * an EFI loader, a BIOS boot partition (GRUB's core.img on GPT), or boot code in the MBR.
 * A partition image written without any of these would kexec fine once, then boot nothing.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import type { HostFs } from "../host-fs.ts";
import { BIOS_BOOT_TYPE, ESP_TYPES, type ImagePartition } from "./partition.ts";

async function hasEfiLoader(dir: string): Promise<boolean> {
  const efi = (await readdir(dir).catch(() => [] as string[])).find((d) => d.toLowerCase() === "efi");
  if (!efi) return false;
  for (const vendor of await readdir(path.join(dir, efi)).catch(() => [] as string[])) {
    const files = await readdir(path.join(dir, efi, vendor)).catch(() => [] as string[]);
    if (files.some((f) => f.toLowerCase().endsWith(".efi"))) return true;
  }
  return false;
}

/**
 * @example
 * await bootLoaderPresent("/dev/vda", partitions, fs); // true for the Teeth OS image (BIOS boot partition and ESP)
 */
export async function bootLoaderPresent(disk: string, partitions: readonly ImagePartition[], fs: HostFs): Promise<boolean> {
  if (partitions.some((p) => p.partType === BIOS_BOOT_TYPE)) return true;
  for (const p of partitions) if (p.dir && p.partType && ESP_TYPES.has(p.partType) && (await hasEfiLoader(p.dir))) return true;
  const mbr = await fs.readAt(disk, 0, 440);
  return mbr !== null && mbr.some((b) => b !== 0);
}
