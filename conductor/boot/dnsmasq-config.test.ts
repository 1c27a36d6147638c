import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootSchema } from "../config/boot-schema.ts";
import { dnsmasqPaths, hostEntry, renderDnsmasqConfig } from "./dnsmasq-config.ts";

const paths = dnsmasqPaths("/var/lib/teeth");
const scriptUrl = "http://10.78.0.1:6385/boot/boot.ipxe";
const boot = (over: Record<string, unknown>) => bootSchema.parse({ interface: "br0", dhcp_range: { start: "10.78.0.0", netmask: "255.255.255.0" }, ...over });
const render = (over: Record<string, unknown>, answerUnknown = false) => renderDnsmasqConfig({ boot: boot(over), paths, scriptUrl, user: "root", answerUnknown });
const lines = (conf: string) => conf.split("\n");

/** dnsmasq's own syntax check of a config (`--test` parses it and exits). */
function dnsmasqAccepts(conf: string): { ok: boolean; out: string } {
  const dir = mkdtempSync(join(tmpdir(), "nb-conf-"));
  try {
    writeFileSync(join(dir, "c.conf"), conf);
    const r = Bun.spawnSync(["/usr/sbin/dnsmasq", "--test", `--conf-file=${join(dir, "c.conf")}`]);
    return { ok: r.exitCode === 0, out: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("dnsmasq config", () => {
  test("every mode: no DNS, one interface bound, TFTP from the data dir, host entries from the hosts dir", () => {
    for (const mode of ["proxy", "full"]) {
      const c = lines(render({ mode, dhcp_range: { start: "10.78.0.100", end: "10.78.0.200" } }));
      for (const l of ["port=0", "interface=br0", "bind-interfaces", "enable-tftp", `tftp-root=${paths.tftpRoot}`, `dhcp-hostsdir=${paths.hostsDir}`, "dhcp-userclass=set:ipxe,iPXE", "dhcp-match=set:efi64,option:client-arch,7", "dhcp-match=set:efi64,option:client-arch,9", "user=root", `log-facility=${paths.log}`]) {
        expect(c).toContain(l);
      }
    }
  });

  test("proxy mode: proxy range on the network, iPXE by TFTP to firmware, the HTTP script to iPXE, per architecture", () => {
    const c = lines(render({ mode: "proxy" }));
    expect(c).toContain("dhcp-range=10.78.0.0,proxy,255.255.255.0");
    expect(c).toContain('pxe-service=tag:!ipxe,x86PC,"Teeth: iPXE over TFTP",undionly.kpxe');
    expect(c).toContain('pxe-service=tag:!ipxe,X86-64_EFI,"Teeth: iPXE over TFTP",snponly.efi');
    expect(c).toContain(`pxe-service=tag:ipxe,x86PC,"Teeth: boot script",${scriptUrl}`);
    expect(c).toContain(`pxe-service=tag:ipxe,X86-64_EFI,"Teeth: boot script",${scriptUrl}`);
    expect(c.some((l) => l.startsWith("dhcp-boot="))).toBe(false);
    expect(c.some((l) => l.startsWith("dhcp-authoritative"))).toBe(false);
  });

  test("full mode: addresses from the range with a lease file; boot file by architecture and user class", () => {
    const c = lines(render({ mode: "full", dhcp_range: { start: "10.78.0.100", end: "10.78.0.200", netmask: "255.255.255.0", lease_time: "30m" }, uefi_ipxe: "ipxe.efi" }));
    expect(c).toContain("dhcp-range=10.78.0.100,10.78.0.200,255.255.255.0,30m");
    expect(c).toContain(`dhcp-leasefile=${paths.leases}`);
    expect(c).toContain("dhcp-boot=tag:!ipxe,tag:!efi64,undionly.kpxe");
    expect(c).toContain("dhcp-boot=tag:!ipxe,tag:efi64,ipxe.efi");
    expect(c).toContain(`dhcp-boot=tag:ipxe,${scriptUrl}`);
    expect(c.some((l) => l.startsWith("pxe-service="))).toBe(false);
  });

  test("unknown MACs are ignored unless unknown-MAC boot is on", () => {
    for (const mode of ["proxy", "full"]) {
      const range = { start: "10.78.0.100", end: "10.78.0.200" };
      expect(lines(render({ mode, dhcp_range: range }, false))).toContain("dhcp-ignore=tag:!known");
      expect(lines(render({ mode, dhcp_range: range }, true))).not.toContain("dhcp-ignore=tag:!known");
      expect(dnsmasqAccepts(render({ mode, dhcp_range: range }, true)).ok).toBe(true);
    }
  });

  test("dnsmasq itself accepts what is rendered, in both modes", () => {
    for (const over of [{ mode: "proxy" }, { mode: "full", dhcp_range: { start: "10.78.0.100", end: "10.78.0.200" } }]) {
      const r = dnsmasqAccepts(render(over));
      expect(r.out).toContain("syntax check OK");
      expect(r.ok).toBe(true);
    }
  });

  test("a config that cannot run is refused with the key named", () => {
    expect(() => render({ mode: "none" })).toThrow(/none runs no dnsmasq/);
    expect(() => render({ interface: null })).toThrow(/boot.interface: required/);
    expect(() => render({ dhcp_range: null })).toThrow(/boot.dhcp_range: required/);
    expect(() => render({ mode: "full", dhcp_range: { start: "10.78.0.100" } })).toThrow(/boot.dhcp_range.end: required/);
    expect(bootSchema.safeParse({ interface: "br0\nenable-ra" }).success).toBe(false);
    expect(bootSchema.safeParse({ kernel_params: "a=1\nb" }).success).toBe(false);
    expect(bootSchema.safeParse({ dhcp_range: { start: "10.0.0.300" } }).success).toBe(false);
  });

  test("host entry: the MAC tagged as Teeth's, one per line", () => {
    expect(hostEntry("52:54:00:12:34:56")).toBe("52:54:00:12:34:56,set:teeth\n");
    const conf = `${render({ mode: "full", dhcp_range: { start: "10.78.0.100", end: "10.78.0.200" } })}dhcp-host=${hostEntry("52:54:00:12:34:56")}`;
    expect(dnsmasqAccepts(conf).ok).toBe(true);
  });
});
