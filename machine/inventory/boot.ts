/**
 * @module machine/inventory/boot
 * The `boot` section: the firmware mode the ramdisk was booted in and the NIC it PXE-booted
 * from, which PXE firmware passes on the kernel command line as BOOTIF.
 */
import { normalizeMacAddress } from "../../common/mac-address.ts";
import type { Inventory } from "../../protocol/inventory.ts";
import type { HostFs } from "../host-fs.ts";

export type Boot = Inventory["boot"];

/**
 * Normalizes BOOTIF to a lower-case MAC, or null when it is absent or malformed.
 * PXELINUX/iPXE send "01-aa-bb-cc-dd-ee-ff" (the leading 01 is the ARP hardware type,
 * Ethernet); a plain MAC with ':' or '-' separators is accepted too.
 * @example
 * normalizeBootif("01-52-54-00-12-34-56") // "52:54:00:12:34:56"
 * normalizeBootif("52:54:00:12:34:56")    // "52:54:00:12:34:56"
 */
export function normalizeBootif(bootif: string | null | undefined): string | null {
  return normalizeMacAddress(bootif);
}

/**
 * @example
 * await collectBoot(createHostFs("/"), "01-52-54-00-12-34-56");
 * // { current_boot_mode: "uefi", pxe_interface: "52:54:00:12:34:56" }
 */
export async function collectBoot(fs: HostFs, bootif: string | null | undefined): Promise<Boot> {
  // The kernel creates /sys/firmware/efi only when started by UEFI firmware.
  const uefi = await fs.isDir("/sys/firmware/efi");
  return { current_boot_mode: uefi ? "uefi" : "bios", pxe_interface: normalizeBootif(bootif) };
}
