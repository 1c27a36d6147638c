/**
 * @module conductor/boot/dnsmasq-config
 * The dnsmasq configuration the conductor writes (`<data_dir>/boot/dnsmasq.conf`): no DNS, one
 * interface, TFTP of iPXE to firmware PXE clients (chosen by client architecture, DHCP option
 * 93), the HTTP script to iPXE clients, answers only to known MACs unless `answerUnknown`.
 */
import { join } from "node:path";
import type { BootConfig } from "../config/boot-schema.ts";

/** Where dnsmasq's files live, under `<data_dir>/boot`. */
export interface DnsmasqPaths {
  dir: string;
  conf: string;
  /** One file per known MAC (`dhcp-hostsdir`: dnsmasq reads new and changed files by itself). */
  hostsDir: string;
  tftpRoot: string;
  log: string;
  leases: string;
  /** The running dnsmasq's pid (written by the conductor, not by dnsmasq). */
  pid: string;
}

/** @example dnsmasqPaths("/var/lib/teeth").conf; // "/var/lib/teeth/boot/dnsmasq.conf" */
export function dnsmasqPaths(dataDir: string): DnsmasqPaths {
  const dir = join(dataDir, "boot");
  return {
    dir,
    conf: join(dir, "dnsmasq.conf"),
    hostsDir: join(dir, "dhcp-hosts"),
    tftpRoot: join(dir, "tftp"),
    log: join(dir, "dnsmasq.log"),
    leases: join(dir, "dnsmasq.leases"),
    pid: join(dir, "dnsmasq.pid"),
  };
}

/** The BIOS loader served over TFTP (Debian ipxe: iPXE over the firmware's UNDI driver). */
export const BIOS_IPXE = "undionly.kpxe";

export interface DnsmasqConfigInput {
  boot: BootConfig;
  paths: DnsmasqPaths;
  /** URL of `/boot/boot.ipxe` handed to iPXE clients. */
  scriptUrl: string;
  /**
   * `root` when the conductor is root: dnsmasq keeps the conductor's user instead of dropping
   * to `nobody`, who may not read a 0700 data dir. null: dnsmasq's default.
   */
  user: string | null;
  /** Whether MACs of no port get answers too (`unknownMacBoots`: discovery, or `boot.unknown_mac: ramdisk`). */
  answerUnknown: boolean;
}

/**
 * Renders the configuration for `proxy` or `full` mode (`none` runs no dnsmasq).
 * @example
 * renderDnsmasqConfig({ boot: { ...boot, mode: "proxy", interface: "br0", dhcp_range: { start: "10.0.0.0", ... } }, paths, scriptUrl, user: "root", answerUnknown: false });
 * // "...dhcp-range=10.0.0.0,proxy\n..."
 */
export function renderDnsmasqConfig(input: DnsmasqConfigInput): string {
  const { boot, paths, scriptUrl } = input;
  if (boot.mode === "none") throw new Error("boot.mode none runs no dnsmasq");
  if (!boot.interface) throw new Error("boot.interface: required when boot.mode is proxy or full");
  const range = boot.dhcp_range;
  if (!range) throw new Error(`boot.dhcp_range: required when boot.mode is ${boot.mode}`);
  const mask = range.netmask ? `,${range.netmask}` : "";
  const uefi = boot.uefi_ipxe;
  const lines = [
    "# Written by teeth conductor at every start; edit the conductor's boot config instead.",
    "port=0",
    `interface=${boot.interface}`,
    "bind-interfaces",
    "no-resolv",
    "no-hosts",
    "pid-file=",
    ...(input.user ? [`user=${input.user}`] : []),
    "log-dhcp",
    `log-facility=${paths.log}`,
    `dhcp-hostsdir=${paths.hostsDir}`,
    "dhcp-userclass=set:ipxe,iPXE",
    "dhcp-match=set:efi64,option:client-arch,7",
    "dhcp-match=set:efi64,option:client-arch,9",
    "enable-tftp",
    `tftp-root=${paths.tftpRoot}`,
    "tftp-secure",
  ];
  // A MAC is `known` when a file in dhcp-hostsdir names it.
  if (!input.answerUnknown) lines.push("dhcp-ignore=tag:!known");
  if (boot.mode === "proxy") {
    // Proxy-DHCP answers PXE clients only, beside the site's DHCP server that gives addresses.
    // iPXE takes its file from a PXE menu entry in proxy replies, so both kinds of client get one.
    lines.push(
      `dhcp-range=${range.start},proxy${mask}`,
      'pxe-prompt="Teeth network boot",0',
      `pxe-service=tag:!ipxe,x86PC,"Teeth: iPXE over TFTP",${BIOS_IPXE}`,
      `pxe-service=tag:!ipxe,X86-64_EFI,"Teeth: iPXE over TFTP",${uefi}`,
      `pxe-service=tag:ipxe,x86PC,"Teeth: boot script",${scriptUrl}`,
      `pxe-service=tag:ipxe,X86-64_EFI,"Teeth: boot script",${scriptUrl}`,
    );
  } else {
    if (!range.end) throw new Error("boot.dhcp_range.end: required when boot.mode is full");
    lines.push(
      `dhcp-range=${range.start},${range.end}${mask},${range.lease_time}`,
      `dhcp-leasefile=${paths.leases}`,
      "dhcp-authoritative",
      `dhcp-boot=tag:!ipxe,tag:!efi64,${BIOS_IPXE}`,
      `dhcp-boot=tag:!ipxe,tag:efi64,${uefi}`,
      `dhcp-boot=tag:ipxe,${scriptUrl}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/**
 * A `dhcp-hostsdir` entry: the MAC, tagged so the answer is Teeth's (and `known` is set).
 * @example hostEntry("52:54:00:12:34:56"); // "52:54:00:12:34:56,set:teeth\n"
 */
export function hostEntry(mac: string): string {
  return `${mac},set:teeth\n`;
}
