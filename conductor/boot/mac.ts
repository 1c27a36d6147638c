/**
 * @module conductor/boot/mac
 * MAC addresses as firmware and iPXE write them (`52:54:00:12:34:56`, `52-54-00-12-34-56`,
 * any case) and as the store keeps them (lowercase, colons); `BOOTIF` as PXELINUX and IPA spell it.
 */

const MAC = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$/i;

/**
 * The MAC in the store's form, or null when `text` is not a MAC.
 * @example
 * parseMac("52-54-00-AB-CD-EF"); // "52:54:00:ab:cd:ef"
 * parseMac("52:54:00-ab:cd:ef"); // null (mixed separators)
 */
export function parseMac(text: string): string | null {
  if (!MAC.test(text)) return null;
  return text.toLowerCase().replaceAll("-", ":");
}

/**
 * The `BOOTIF=` value naming the NIC the node booted from (ARP type 01, Ethernet).
 * @example
 * bootif("52:54:00:ab:cd:ef"); // "01-52-54-00-ab-cd-ef"
 */
export function bootif(mac: string): string {
  return `01-${mac.replaceAll(":", "-")}`;
}
