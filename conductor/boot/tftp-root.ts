/**
 * @module conductor/boot/tftp-root
 * The TFTP root dnsmasq serves: copies of Debian's iPXE loaders (BIOS `undionly.kpxe`, UEFI
 * `snponly.efi`/`ipxe.efi`), world-readable, as dnsmasq requires when it runs as root.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { BIOS_IPXE } from "./dnsmasq-config.ts";

/**
 * Copies the loaders into `tftpRoot` (only when changed). Throws naming the missing file
 * and package when the two the config needs are not installed.
 * @example
 * prepareTftpRoot("/var/lib/teeth/boot/tftp", "/usr/lib/ipxe", "snponly.efi");
 */
export function prepareTftpRoot(tftpRoot: string, ipxeDir: string, uefiLoader: string): string[] {
  mkdirSync(tftpRoot, { recursive: true, mode: 0o755 });
  chmodSync(tftpRoot, 0o755);
  const copied: string[] = [];
  for (const name of new Set([BIOS_IPXE, uefiLoader, "snponly.efi", "ipxe.efi"])) {
    const from = join(ipxeDir, name);
    const required = name === BIOS_IPXE || name === uefiLoader;
    if (!existsSync(from)) {
      if (required) throw new Error(`${from} is missing: install Debian's ipxe package or set boot.ipxe_dir`);
      continue;
    }
    const to = join(tftpRoot, name);
    if (!existsSync(to) || statSync(to).size !== statSync(from).size || !readFileSync(to).equals(readFileSync(from))) {
      copyFileSync(from, to);
      copied.push(name);
    }
    chmodSync(to, 0o644);
  }
  return copied;
}
