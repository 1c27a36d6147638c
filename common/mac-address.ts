/**
 * @module common/mac-address
 * MAC addresses as Ironic stores them: six lower-case hex octets separated by ':'.
 */

/** A MAC in Ironic's form, `52:54:00:12:34:56`. */
export const MAC_ADDRESS_PATTERN = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

/**
 * Ironic's form of a MAC written with ':' or '-' in any case, or of PXE's BOOTIF form
 * (`01-aa-bb-cc-dd-ee-ff`: the leading 01 is the ARP hardware type, Ethernet); null otherwise.
 * @example
 * normalizeMacAddress("01-52-54-00-AB-cd-01") // "52:54:00:ab:cd:01"
 * normalizeMacAddress("52-54-00-12-34-56")    // "52:54:00:12:34:56"
 * normalizeMacAddress("zz")                   // null
 */
export function normalizeMacAddress(text: string | null | undefined): string | null {
  const value = text?.trim().toLowerCase();
  if (!value) return null;
  const octets = value.split(/[-:]/);
  if (octets.length === 7 && octets[0] === "01") octets.shift();
  const mac = octets.join(":");
  return MAC_ADDRESS_PATTERN.test(mac) ? mac : null;
}
