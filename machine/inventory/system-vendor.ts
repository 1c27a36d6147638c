/**
 * @module machine/inventory/system-vendor
 * The `system_vendor` section from the kernel's DMI attributes (/sys/class/dmi/id), the same
 * SMBIOS strings dmidecode prints, without needing dmidecode. Firmware placeholders such as
 * "To Be Filled By O.E.M." are kept verbatim: they are what the machine says.
 */
import type { Inventory } from "../../protocol/inventory.ts";
import { nonEmpty, type HostFs } from "../host-fs.ts";

export type SystemVendor = Inventory["system_vendor"];

/**
 * @example
 * const vendor = await collectSystemVendor(createHostFs("/"));
 * vendor.manufacturer; // "Dell Inc." (null on machines without SMBIOS)
 */
export async function collectSystemVendor(fs: HostFs): Promise<SystemVendor> {
  const dmi = async (attr: string) => nonEmpty(await fs.text(`/sys/class/dmi/id/${attr}`));
  return {
    product_name: await dmi("product_name"),
    serial_number: await dmi("product_serial"),
    manufacturer: await dmi("sys_vendor"),
    firmware: {
      vendor: await dmi("bios_vendor"),
      version: await dmi("bios_version"),
      build_date: await dmi("bios_date"),
    },
  };
}
