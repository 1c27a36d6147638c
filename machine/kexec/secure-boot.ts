/**
 * @module machine/kexec/secure-boot
 * Whether UEFI Secure Boot is enforced, from the `SecureBoot` EFI variable: 4 bytes of
 * attributes, then one byte, 1 when enforcing. No variable (BIOS, or no efivarfs) means off.
 */
import type { HostFs } from "../host-fs.ts";

export const SECURE_BOOT_VAR = "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";

/**
 * @example
 * secureBootEnforced(new Uint8Array([6, 0, 0, 0, 1])); // true
 */
export function secureBootEnforced(bytes: Uint8Array | null): boolean {
  return bytes !== null && bytes.length >= 5 && bytes[4] === 1;
}

/** Reads the variable through the host-fs seam. */
export async function readSecureBoot(fs: HostFs): Promise<boolean> {
  return secureBootEnforced(await fs.bytes(SECURE_BOOT_VAR));
}
