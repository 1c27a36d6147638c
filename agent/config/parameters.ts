/**
 * @module agent/config/parameters
 * Every parameter the agent understands: IPA's kernel-command-line names, plus Teeth's own
 * (`teeth-` prefix). One table gives each its type, default and help line.
 */
import { z } from "zod";

const TRUE = new Set(["1", "true", "yes", "on", "y", "t"]);
const FALSE = new Set(["0", "false", "no", "off", "n", "f"]);

const bool = z.string().transform((s, ctx) => {
  const v = s.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  ctx.addIssue({ code: "custom", message: `expected a boolean (1/0, true/false), got '${s}'` });
  return z.NEVER;
});
const int = (min: number, max: number) =>
  z.string().transform((s, ctx) => {
    const n = Number(s);
    if (!/^-?\d+$/.test(s.trim()) || n < min || n > max) {
      ctx.addIssue({ code: "custom", message: `expected an integer ${min}..${max}, got '${s}'` });
      return z.NEVER;
    }
    return n;
  });
const seconds = z.string().transform((s, ctx) => {
  const n = Number(s);
  if (s.trim() === "" || !Number.isFinite(n) || n < 0) {
    ctx.addIssue({ code: "custom", message: `expected a non-negative number of seconds, got '${s}'` });
    return z.NEVER;
  }
  return n;
});
const text = z.string().min(1, "must not be empty").max(4096);
const urlList = z.string().transform((s, ctx) => {
  const urls = s.split(",").map((u) => u.trim()).filter(Boolean);
  for (const u of urls) {
    if (u === "mdns") {
      ctx.addIssue({ code: "custom", message: "mdns discovery is not supported; give the conductor URL" });
      return z.NEVER;
    }
    try {
      const parsed = new URL(u);
      if (!/^https?:$/.test(parsed.protocol)) throw new Error("scheme");
    } catch {
      ctx.addIssue({ code: "custom", message: `expected http(s) URL(s), got '${u}'` });
      return z.NEVER;
    }
  }
  return urls;
});
const mac = z.string().transform((s, ctx) => {
  // PXE's BOOTIF form is "01-aa-bb-cc-dd-ee-ff" (hardware type 01 = Ethernet).
  const hex = s.trim().toLowerCase().replace(/^01-(?=([0-9a-f]{2}-){5}[0-9a-f]{2}$)/, "").replace(/-/g, ":");
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(hex)) {
    ctx.addIssue({ code: "custom", message: `expected a MAC address (or PXE 01-xx-xx-.. form), got '${s}'` });
    return z.NEVER;
  }
  return hex;
});
const tlsVersion = z.enum(["1.2", "1.3"]);
const curve = z.enum(["p256", "p384", "p521", "secp256r1", "secp384r1", "secp521r1"]);

export interface ParameterSpec {
  schema: z.ZodType<unknown, string>;
  default?: string;
  help: string;
}

/** Kernel-command-line parameters, by name. Order is the order of `teeth agent --help`. */
export const PARAMETERS = {
  "ipa-api-url": { schema: urlList, help: "conductor (Ironic) API URL(s), comma-separated" },
  "ipa-insecure": { schema: bool, default: "0", help: "do not verify the conductor's TLS certificate" },
  "ipa-debug": { schema: bool, default: "0", help: "debug logging" },
  "ipa-standalone": { schema: bool, default: "0", help: "do not look up or heartbeat (API only)" },
  "ipa-listen-host": { schema: text, default: "::", help: "address the command API listens on" },
  "ipa-listen-port": { schema: int(1, 65535), default: "9999", help: "port of the command API" },
  "ipa-advertise-host": { schema: text, help: "address sent in callback_url (default: the route to the conductor)" },
  "ipa-advertise-port": { schema: int(1, 65535), help: "port sent in callback_url (default: ipa-listen-port)" },
  "ipa-advertise-protocol": { schema: z.enum(["http", "https"]), help: "protocol of callback_url when auto-TLS is off" },
  "ipa-lookup-timeout": { schema: seconds, default: "600", help: "seconds of lookup attempts before logging a failure (it keeps trying)" },
  "ipa-lookup-interval": { schema: seconds, default: "1", help: "minimum seconds between lookup attempts" },
  "ipa-agent-token": { schema: text, help: "pre-generated agent token (virtual media)" },
  "ipa-global-request-id": { schema: text, help: "X-OpenStack-Request-ID sent to the conductor" },
  "ipa-ironic-api-version": { schema: z.string().regex(/^1\.\d+$/, "expected a microversion like 1.68"), help: "pin the API microversion" },
  "ipa-http-request-timeout": { schema: seconds, default: "30", help: "timeout of requests to the conductor" },
  "ipa-hardware-initialization-delay": { schema: seconds, default: "0", help: "seconds to wait for hardware before starting" },
  "ipa-disk-wait-attempts": { schema: int(0, 10000), default: "10", help: "attempts to wait for a disk to appear" },
  "ipa-disk-wait-delay": { schema: seconds, default: "3", help: "seconds between disk-wait attempts" },
  "ipa-image-download-connection-timeout": { schema: seconds, default: "60", help: "seconds without bytes before an image download is retried" },
  "ipa-image-download-connection-retries": { schema: int(0, 1000), default: "9", help: "resumes of an interrupted image download" },
  "ipa-image-download-connection-retry-interval": { schema: seconds, default: "10", help: "seconds between download retries" },
  "ipa-image-download-max-duration": { schema: seconds, default: "0", help: "cap on a whole image download (0: none)" },
  "ipa-tls-min-version": { schema: tlsVersion, default: "1.2", help: "TLS floor of the command API" },
  "ipa-tls-certificate-curve": { schema: curve, default: "p384", help: "EC curve of the auto-TLS certificate" },
  "ipa-inspection-callback-url": { schema: text, help: "accepted for compatibility; inventory goes through the conductor API" },
  "ipa-inspection-collectors": { schema: text, help: "accepted for compatibility" },
  "ipa-collect-lldp": { schema: bool, default: "0", help: "accepted for compatibility (LLDP is not collected)" },
  "ipa-enable-vlan-interfaces": { schema: text, help: "accepted for compatibility" },
  "ipa-ntp-server": { schema: text, help: "accepted for compatibility" },
  "ipa-guard-special-filesystems": { schema: bool, default: "1", help: "refuse to erase disks holding GPFS/VMFS/gfs2" },
  BOOTIF: { schema: mac, help: "MAC of the PXE boot interface" },
  "teeth-allow-loop-devices": { schema: bool, default: "0", help: "count loop devices as disks (tests, demos)" },
  "teeth-only-disks": {
    schema: z.string().transform((s, ctx) => {
      const names = s.split(",").map((n) => n.trim()).filter(Boolean).map((n) => (n.startsWith("/dev/") ? n : `/dev/${n}`));
      if (!names.length) {
        ctx.addIssue({ code: "custom", message: "expected a comma-separated list of disks, e.g. /dev/loop3,/dev/sdb" });
        return z.NEVER;
      }
      return names;
    }),
    help: "the agent sees only these disks (labs sharing a host: nothing else can be written or erased)",
  },
  "teeth-simulate-power": { schema: bool, default: "0", help: "log power-off/reboot/NIC-down instead of doing them" },
  "teeth-auto-tls": { schema: bool, default: "1", help: "serve the command API on https with a self-signed certificate" },
  "teeth-tls-dir": { schema: text, default: "/run/teeth", help: "where the auto-TLS certificate and key are written" },
  "teeth-hardware-managers-dir": { schema: text, default: "/etc/teeth/hardware-managers", help: "directory of vendor hardware-manager plugins (*.js)" },
  "teeth-cmdline-file": { schema: text, default: "/proc/cmdline", help: "kernel command line to read parameters from" },
  "teeth-log-file": { schema: text, help: "also write the agent log to this file" },
} satisfies Record<string, ParameterSpec>;

export type ParameterName = keyof typeof PARAMETERS;
export type ParameterValues = { [K in ParameterName]: z.output<(typeof PARAMETERS)[K]["schema"]> | undefined };
