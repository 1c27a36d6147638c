/**
 * @module conductor/boot/ipxe-script
 * The iPXE scripts the conductor serves: the one every iPXE client fetches first (it chains to
 * its own MAC's), the RAM disk script, and the local-boot script. Pure text; nothing secret
 * goes in (firmware fetches these over plain HTTP without credentials).
 */
import type { BootMode } from "../drivers/driver-contract.ts";

/** A kernel parameter value or token that cannot break out of an iPXE line or expand a setting. */
const SAFE_TOKEN = /^[\w.,:/=@+%~-]+$/;

export interface RamdiskScriptOptions {
  /** Base URL of the conductor's `/boot/` routes' host, without trailing slash. */
  httpBase: string;
  /** Kernel parameters in order (`ipa-api-url`, `BOOTIF`, ...); each becomes `key=value`. */
  params: ReadonlyArray<readonly [string, string]>;
  /** Extra tokens appended as they are (operator's and node's `kernel_append_params`). */
  append: readonly string[];
}

/**
 * Checks every parameter is a plain token, so a value cannot add a line to the script or
 * make iPXE expand `${...}`. Throws with the offending parameter named.
 */
export function assertSafeKernelParams(params: ReadonlyArray<readonly [string, string]>, append: readonly string[]): void {
  for (const [k, v] of params) {
    if (!/^[\w.-]+$/.test(k) || !SAFE_TOKEN.test(v)) throw new Error(`kernel parameter ${JSON.stringify(k)} has characters iPXE cannot take: ${JSON.stringify(`${k}=${v}`)}`);
  }
  for (const t of append) if (!SAFE_TOKEN.test(t)) throw new Error(`kernel parameter ${JSON.stringify(t)} has characters iPXE cannot take`);
}

/**
 * The script at `/boot/boot.ipxe`: chains to the booting NIC's own script (`${mac:hexhyp}`
 * is the NIC that did DHCP, as Ironic's boot.ipxe uses; `net0` may be another NIC).
 * @example
 * chainScript("http://10.0.0.1:6385"); // "#!ipxe\n...chain --autofree http://10.0.0.1:6385/boot/${mac:hexhyp}.ipxe..."
 */
export function chainScript(httpBase: string): string {
  return [
    "#!ipxe",
    "# Teeth: each NIC's boot script is /boot/<its MAC>.ipxe",
    `chain --autofree ${httpBase}/boot/\${mac:hexhyp}.ipxe || goto failed`,
    ":failed",
    "echo Teeth: no boot script for ${mac}; leaving network boot",
    "exit",
    "",
  ].join("\n");
}

/**
 * The RAM disk: kernel and initramfs over HTTP from the conductor; a failed download is
 * retried (a conductor restarting, a busy link) instead of dropping to the next boot device.
 * @example
 * ramdiskScript({ httpBase: "http://10.0.0.1:6385", params: [["ipa-api-url", "http://10.0.0.1:6385"]], append: ["console=ttyS0"] });
 */
export function ramdiskScript(o: RamdiskScriptOptions): string {
  assertSafeKernelParams(o.params, o.append);
  // initrd= names the image for the kernel's EFI stub (UEFI); BIOS kernels ignore it.
  const cmdline = ["initrd=initramfs.img", ...o.params.map(([k, v]) => `${k}=${v}`), ...o.append].join(" ");
  return [
    "#!ipxe",
    ":start",
    "echo Teeth: booting the agent RAM disk",
    `kernel ${o.httpBase}/boot/ramdisk/vmlinuz ${cmdline} || goto retry`,
    `initrd ${o.httpBase}/boot/ramdisk/initramfs.img || goto retry`,
    "boot || goto retry",
    ":retry",
    "echo Teeth: RAM disk download or boot failed; retrying in 10 s",
    "imgfree",
    "sleep 10",
    "goto start",
    "",
  ].join("\n");
}

/**
 * Boot from the local disk: UEFI firmware moves on to its next boot entry when iPXE exits;
 * a BIOS node boots the first disk's MBR (Ironic's `sanboot --no-describe --drive 0x80`),
 * exiting to the BIOS if that fails.
 * @example
 * localBootScript("bios"); // "...sanboot --no-describe --drive 0x80 || exit..."
 */
export function localBootScript(mode: BootMode): string {
  const lines = ["#!ipxe", "echo Teeth: booting from the local disk"];
  if (mode === "bios") lines.push("sanboot --no-describe --drive 0x80 || exit");
  else lines.push("exit");
  return `${lines.join("\n")}\n`;
}

/** For a MAC of no node when unknown-MAC boot is off: leave network boot. */
export function notEnrolledScript(): string {
  return "#!ipxe\necho Teeth: this MAC belongs to no enrolled node; leaving network boot\nexit\n";
}
