/**
 * @module machine/inventory/disk-ids
 * Pure parsers for the identity of a disk: udev's database records, the kernel's `wwid`
 * attribute, SCSI VPD page 0x80 (serial) and the transport implied by the sysfs device path.
 * They produce the same strings udev's persistent-storage rules do, since that is what
 * IPA (through pyudev and lsblk) reports and what operators put in root device hints.
 */

/** `E:KEY=VALUE` lines of /run/udev/data/b<major>:<minor>. */
export function parseUdevDb(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (!line.startsWith("E:")) continue;
    const i = line.indexOf("=");
    if (i > 2) env[line.slice(2, i)] = line.slice(i + 1);
  }
  return env;
}

export interface WwnFields {
  wwn: string | null;
  wwn_with_extension: string | null;
  wwn_vendor_extension: string | null;
}

/**
 * The WWN fields from a kernel `wwid` value.
 * NAA identifiers become "0x"-prefixed hex as udev's ID_WWN; a 32-digit (NAA 6) one is split
 * into the 16-digit WWN and its vendor extension. NVMe identifiers (eui./nvme./uuid.) are used
 * verbatim, as udev does for NVMe namespaces. Vendor-specific t10. strings are no WWN.
 * @example
 * parseWwid("naa.600508b1001c4d5e6f7a8b9c0d1e2f30")
 * // { wwn: "0x600508b1001c4d5e", wwn_vendor_extension: "0x6f7a8b9c0d1e2f30",
 * //   wwn_with_extension: "0x600508b1001c4d5e6f7a8b9c0d1e2f30" }
 */
export function parseWwid(wwid: string | null, nvme: boolean): WwnFields {
  const none = { wwn: null, wwn_with_extension: null, wwn_vendor_extension: null };
  const value = wwid?.trim();
  if (!value) return none;
  const naa = /^naa\.([0-9a-f]+)$/i.exec(value);
  if (naa) {
    const hex = naa[1]!.toLowerCase();
    if (hex.length === 32) {
      return { wwn: `0x${hex.slice(0, 16)}`, wwn_with_extension: `0x${hex}`, wwn_vendor_extension: `0x${hex.slice(16)}` };
    }
    return { wwn: `0x${hex}`, wwn_with_extension: `0x${hex}`, wwn_vendor_extension: null };
  }
  if (nvme && /^(eui|nvme|uuid)\./i.test(value)) {
    return { wwn: value, wwn_with_extension: value, wwn_vendor_extension: null };
  }
  return none;
}

/** The serial number in a SCSI VPD page 0x80 (4-byte header, then ASCII), or null. */
export function parseVpdSerial(page: Uint8Array | null): string | null {
  if (!page || page.length < 5 || page[1] !== 0x80) return null;
  const length = ((page[2] ?? 0) << 8) | (page[3] ?? 0);
  const text = new TextDecoder("latin1").decode(page.subarray(4, 4 + length));
  const serial = text.replace(/\0/g, "").trim();
  return serial || null;
}

/**
 * The transport lsblk would print (TRAN), from the device's canonical sysfs path.
 * @example
 * transportFromPath("nvme0n1", "/sys/devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1") // "nvme"
 */
export function transportFromPath(name: string, devicePath: string | null): string | null {
  if (name.startsWith("nvme")) return "nvme";
  if (!devicePath) return null;
  if (/\/usb\d*\//.test(devicePath)) return "usb";
  if (/\/ata\d+\//.test(devicePath)) return "sata";
  if (/\/rport-/.test(devicePath)) return "fc";
  if (/\/(end_device|expander)-/.test(devicePath)) return "sas";
  if (/\/session\d+\//.test(devicePath)) return "iscsi";
  if (/\/fw\d+\//.test(devicePath) || /\/firewire\//.test(devicePath)) return "sbp";
  if (/\/mmc_host\//.test(devicePath)) return "mmc";
  return null;
}

/** A SCSI address "H:C:T:L" taken from the last component of a device path, or null. */
export function hctlFromPath(devicePath: string | null): string | null {
  const last = devicePath?.split("/").pop() ?? "";
  return /^\d+:\d+:\d+:\d+$/.test(last) ? last : null;
}
