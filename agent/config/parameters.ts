/**
 * @module agent/config/parameters
 * Every parameter the agent understands: IPA's kernel-command-line names, plus Teeth's own
 * (`teeth-` prefix). One table gives each its kind (boolean, integer, seconds, string, list),
 * from which its parsing comes, its default and its help line.
 */
import { z } from "zod";
import { parseBooleanString } from "../../common/boolean-string.ts";
import { normalizeMacAddress } from "../../common/mac-address.ts";

/**
 * What a parameter holds; the parsing comes from it (and a bare `--name` flag means true only
 * for booleans, so `--ipa-lookup-interval 5` takes the 5).
 */
export type ParameterKind = "boolean" | "integer" | "seconds" | "string" | "list";

const bool = z.string().transform((s, ctx) => {
  const v = parseBooleanString(s);
  if (v !== undefined) return v;
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
/**
 * Comma-separated, blanks dropped; `item` checks (and may rewrite) each entry. `empty`: the
 * problem reported for an empty list, or null when an empty list is fine.
 */
const list = (empty: string | null, item: (s: string) => { ok: true; value: string } | { ok: false; problem: string } = (s) => ({ ok: true, value: s })) =>
  z.string().transform((s, ctx) => {
    const out: string[] = [];
    for (const entry of s.split(",").map((u) => u.trim()).filter(Boolean)) {
      const r = item(entry);
      if (!r.ok) {
        ctx.addIssue({ code: "custom", message: r.problem });
        return z.NEVER;
      }
      out.push(r.value);
    }
    if (!out.length && empty !== null) {
      ctx.addIssue({ code: "custom", message: empty });
      return z.NEVER;
    }
    return out;
  });
const httpUrl = (u: string) => {
  if (u === "mdns") return { ok: false as const, problem: "mdns discovery is not supported; give the conductor URL" };
  try {
    if (/^https?:$/.test(new URL(u).protocol)) return { ok: true as const, value: u };
  } catch {
    /* reported below */
  }
  return { ok: false as const, problem: `expected http(s) URL(s), got '${u}'` };
};
/** One http(s) URL (IPA's `ipa-inspection-callback-url`; `mdns` is not supported). */
const oneHttpUrl = z.string().transform((s, ctx) => {
  const r = httpUrl(s.trim());
  if (r.ok) return r.value;
  ctx.addIssue({ code: "custom", message: r.problem });
  return z.NEVER;
});
const diskName = (n: string) => ({ ok: true as const, value: n.startsWith("/dev/") ? n : `/dev/${n}` });
const mac = z.string().transform((s, ctx) => {
  // PXE's BOOTIF form is "01-aa-bb-cc-dd-ee-ff" (hardware type 01 = Ethernet).
  const normalized = normalizeMacAddress(s);
  if (normalized) return normalized;
  ctx.addIssue({ code: "custom", message: `expected a MAC address (or PXE 01-xx-xx-.. form), got '${s}'` });
  return z.NEVER;
});

type Spec<K extends ParameterKind, O> = { kind: K; schema: z.ZodType<O, string>; default?: string; help: string };

/** A parameter: its kind, the schema its kind (and refinement) gives, default and help line. */
export type ParameterSpec =
  | Spec<"boolean", boolean>
  | Spec<"integer", number>
  | Spec<"seconds", number>
  | Spec<"string", string>
  | Spec<"list", string[]>;

const boolean = (help: string, def: "0" | "1") => ({ kind: "boolean", schema: bool, default: def, help }) as const;
const integer = (help: string, min: number, max: number, def?: string) => ({ kind: "integer", schema: int(min, max), help, ...(def ? { default: def } : {}) }) as const;
const secs = (help: string, def: string) => ({ kind: "seconds", schema: seconds, default: def, help }) as const;
/** A string; `schema` narrows it (an enum, a pattern, a MAC). */
const string = <O extends string = string>(help: string, options: { default?: string; schema?: z.ZodType<O, string> } = {}) =>
  ({ kind: "string", schema: options.schema ?? (text as unknown as z.ZodType<O, string>), help, ...(options.default ? { default: options.default } : {}) }) as const;
const commaList = (help: string, schema: z.ZodType<string[], string>) => ({ kind: "list", schema, help }) as const;

/** Kernel-command-line parameters, by name. Order is the order of `teeth agent --help`. */
export const PARAMETERS = {
  "ipa-api-url": commaList("conductor (Ironic) API URL(s), comma-separated", list(null, httpUrl)),
  "ipa-insecure": boolean("do not verify the conductor's TLS certificate", "0"),
  "ipa-debug": boolean("debug logging", "0"),
  "ipa-standalone": boolean("do not look up or heartbeat (API only)", "0"),
  "ipa-listen-host": string("address the command API listens on", { default: "::" }),
  "ipa-listen-port": integer("port of the command API", 1, 65535, "9999"),
  "ipa-advertise-host": string("address sent in callback_url (default: the route to the conductor)"),
  "ipa-advertise-port": integer("port sent in callback_url (default: ipa-listen-port)", 1, 65535),
  "ipa-advertise-protocol": string("protocol of callback_url when auto-TLS is off", { schema: z.enum(["http", "https"]) }),
  "ipa-lookup-timeout": secs("seconds of lookup attempts before logging a failure (it keeps trying)", "600"),
  "ipa-lookup-interval": secs("minimum seconds between lookup attempts", "1"),
  "ipa-agent-token": string("pre-generated agent token (virtual media)"),
  "ipa-global-request-id": string("X-OpenStack-Request-ID sent to the conductor"),
  "ipa-ironic-api-version": string("pin the API microversion", { schema: z.string().regex(/^1\.\d+$/, "expected a microversion like 1.68") }),
  "ipa-http-request-timeout": secs("timeout of requests to the conductor", "30"),
  "ipa-hardware-initialization-delay": secs("seconds to wait for hardware before starting", "0"),
  "ipa-disk-wait-attempts": integer("attempts to wait for a disk to appear", 0, 10000, "10"),
  "ipa-disk-wait-delay": secs("seconds between disk-wait attempts", "3"),
  "ipa-image-download-connection-timeout": secs("seconds without bytes before an image download is retried", "60"),
  "ipa-image-download-connection-retries": integer("resumes of an interrupted image download", 0, 1000, "9"),
  "ipa-image-download-connection-retry-interval": secs("seconds between download retries", "10"),
  "ipa-image-download-max-duration": secs("cap on a whole image download (0: none)", "0"),
  "ipa-tls-min-version": string("TLS floor of the command API", { default: "1.2", schema: z.enum(["1.2", "1.3"]) }),
  "ipa-tls-certificate-curve": string("EC curve of the auto-TLS certificate", {
    default: "p384",
    schema: z.enum(["p256", "p384", "p521", "secp256r1", "secp384r1", "secp521r1"]),
  }),
  "ipa-inspection-callback-url": string("URL the inventory is posted to once when lookup finds no node (discovery; the conductor's /v1/continue_inspection)", { schema: oneHttpUrl }),
  "ipa-inspection-collectors": string("accepted for compatibility"),
  "ipa-collect-lldp": boolean("accepted for compatibility (LLDP is not collected)", "0"),
  "ipa-enable-vlan-interfaces": string("accepted for compatibility"),
  "ipa-ntp-server": string("accepted for compatibility"),
  "ipa-guard-special-filesystems": boolean("refuse to erase disks holding GPFS/VMFS/gfs2", "1"),
  BOOTIF: string("MAC of the PXE boot interface", { schema: mac }),
  "teeth-allow-loop-devices": boolean("count loop devices as disks (tests, demos)", "0"),
  "teeth-only-disks": commaList(
    "the agent sees only these disks (labs sharing a host: nothing else can be written or erased)",
    list("expected a comma-separated list of disks, e.g. /dev/loop3,/dev/sdb", diskName),
  ),
  "teeth-simulate-power": boolean("log power-off/reboot/NIC-down instead of doing them", "0"),
  "teeth-auto-tls": boolean("serve the command API on https with a self-signed certificate", "1"),
  "teeth-tls-dir": string("where the auto-TLS certificate and key are written", { default: "/run/teeth" }),
  "teeth-hardware-managers-dir": string("directory of vendor hardware-manager plugins (*.js)", { default: "/etc/teeth/hardware-managers" }),
  "teeth-cmdline-file": string("kernel command line to read parameters from", { default: "/proc/cmdline" }),
  "teeth-log-file": string("also write the agent log to this file"),
} satisfies Record<string, ParameterSpec>;

export type ParameterName = keyof typeof PARAMETERS;
export type ParameterValues = { [K in ParameterName]: z.output<(typeof PARAMETERS)[K]["schema"]> | undefined };
