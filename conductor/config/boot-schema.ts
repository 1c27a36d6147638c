/**
 * @module conductor/config/boot-schema
 * The `boot` section: how nodes network-boot (the dnsmasq the conductor runs, the iPXE
 * scripts and the RAM disk it serves). Its own file because the section is large and the
 * rest of the schema is edited by others; `schema.ts` embeds it.
 */
import { z } from "zod";

const ipv4 = z.ipv4();

/** A kernel command line: plain tokens only, so nothing can break out of an iPXE `kernel` line. */
export const KERNEL_PARAMS_PATTERN = /^[\w.,:/=@+%~-]*(?: [\w.,:/=@+%~-]+)*$/;

const dhcpRangeSchema = z
  .object({
    /** Full mode: the first address handed out. Proxy mode: the network's address (e.g. `10.0.0.0`). */
    start: ipv4,
    /** Full mode: the last address handed out (required there). */
    end: ipv4.nullable().default(null),
    netmask: ipv4.nullable().default(null),
    /** Full mode: lease time in dnsmasq's syntax (`1h`, `30m`, `infinite`). */
    lease_time: z.string().regex(/^(\d+[smhdw]?|infinite)$/, "must be like 1h, 30m, 3600 or infinite").default("1h"),
  })
  .strict();

export const bootSchema = z
  .object({
    /**
     * `proxy`: proxy-DHCP beside the site's DHCP server (boot information only);
     * `full`: DHCP on `dhcp_range`; `none`: no dnsmasq (the site's DHCP/TFTP points at us).
     */
    mode: z.enum(["proxy", "full", "none"]).default("proxy"),
    /** The interface dnsmasq listens on (required unless `mode` is `none`). */
    interface: z.string().regex(/^[\w.:@-]{1,15}$/, "must be an interface name").nullable().default(null),
    /** Required unless `mode` is `none`. */
    dhcp_range: dhcpRangeSchema.nullable().default(null),
    /** Base URL of `/boot/` for iPXE (default: `public_url`). No secrets: firmware fetches it in clear. */
    http_url: z.url({ protocol: /^https?$/ }).nullable().default(null),
    /** The RAM disk's kernel and initramfs (`make ramdisk`); relative paths are from the working directory. */
    kernel: z.string().min(1).default("build/ramdisk/vmlinuz"),
    initramfs: z.string().min(1).default("build/ramdisk/initramfs.img"),
    /** Appended to every RAM disk kernel line (after `ipa-api-url`, `BOOTIF`, ...). */
    kernel_params: z.string().regex(KERNEL_PARAMS_PATTERN, "plain space-separated tokens only").default("console=ttyS0"),
    /**
     * What a MAC of no node gets: `ramdisk` (an agent boots and looks up), `none` (no answer),
     * or `auto` (the default): `ramdisk` when `discovery.enabled`, `none` otherwise
     * (`conductor/boot/unknown-mac.ts`).
     */
    unknown_mac: z.enum(["auto", "ramdisk", "none"]).default("auto"),
    dnsmasq_path: z.string().min(1).default("/usr/sbin/dnsmasq"),
    /** Where Debian's `ipxe` package keeps `undionly.kpxe`, `snponly.efi` and `ipxe.efi`. */
    ipxe_dir: z.string().min(1).default("/usr/lib/ipxe"),
    /** The UEFI iPXE served over TFTP: `snponly.efi` (uses the firmware's NIC driver) or `ipxe.efi`. */
    uefi_ipxe: z.enum(["snponly.efi", "ipxe.efi"]).default("snponly.efi"),
  })
  .strict();

export type BootConfig = z.infer<typeof bootSchema>;
