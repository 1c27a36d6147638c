/**
 * @module conductor/drivers/ipmi/driver-info
 * A node's `driver_info` for the `ipmi` hardware type, with Ironic's field names and rules
 * (`ironic/drivers/modules/ipmitool.py` `_parse_driver_info`): numbers may come as strings
 * ("623"), `ipmi_address` is the only required field, the NULL user and empty password are
 * allowed. What this conductor cannot do safely is refused by name: bridging, IPMI 1.5,
 * a hex Kg key (ipmitool would need it on its command line), cipher suite 0 (no
 * authentication at all) and `ipmi_force_boot_device`.
 */
import { z } from "zod";

export const PRIV_LEVELS = ["ADMINISTRATOR", "OPERATOR", "USER", "CALLBACK"] as const;
export type PrivLevel = (typeof PRIV_LEVELS)[number];

/** Cipher suites of IPMI 2.0 (table 22-20 and its errata) that ipmitool's `-C` accepts. */
export const CIPHER_SUITES = [1, 2, 3, 6, 7, 8, 11, 12, 15, 16, 17] as const;

/** What the driver needs to run ipmitool against one node's BMC. */
export interface IpmiTarget {
  address: string;
  port: number;
  /** null: the NULL user (no `-U`). */
  username: string | null;
  /** "" when unset: ipmitool then authenticates with an empty password. */
  password: string;
  privLevel: PrivLevel;
  /** null: not in driver_info, the driver finds one (17, then 3) and remembers it. */
  cipherSuite: number | null;
  /** Ironic's `ipmi_disable_boot_timeout` (default true): send the raw "no 60 s timeout" before setting a boot device. */
  disableBootTimeout: boolean;
}

const int = (field: string, min: number, max: number, what: string) =>
  z.union([z.number(), z.string()]).transform((v, ctx) => {
    const n = typeof v === "number" ? v : /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: "custom", message: `${field} "${String(v).slice(0, 40)}" is not ${what}.` });
      return z.NEVER;
    }
    return n;
  });

const bool = (field: string) =>
  z.union([z.boolean(), z.string()]).transform((v, ctx) => {
    if (typeof v === "boolean") return v;
    const s = v.trim().toLowerCase();
    if (["1", "t", "true", "on", "y", "yes"].includes(s)) return true;
    if (["0", "f", "false", "off", "n", "no"].includes(s)) return false;
    ctx.addIssue({ code: "custom", message: `${field} "${v.slice(0, 40)}" is not a boolean.` });
    return z.NEVER;
  });

const typeError = (field: string, type: string) => ({ error: () => `${field} must be ${type}.` });

/** The shape of every ipmi_* field; unknown keys (deploy_kernel, redfish_*, ...) pass untouched. */
const IpmiDriverInfoSchema = z
  .object({
    ipmi_address: z
      .string(typeError("ipmi_address", "a string"))
      .refine((s) => s === "" || /^[^\s-][^\s]*$/.test(s), "ipmi_address must be a host name or an IP address (no spaces, not starting with '-').")
      .optional(),
    ipmi_port: int("ipmi_port", 1, 65535, "a valid port").optional(),
    ipmi_username: z
      .string(typeError("ipmi_username", "a string"))
      .refine((s) => Buffer.byteLength(s) <= 16, "ipmi_username is longer than 16 bytes, the IPMI limit.")
      .optional(),
    ipmi_password: z
      .union([z.string(), z.number()], typeError("ipmi_password", "a string"))
      .transform(String)
      .refine((s) => Buffer.byteLength(s) <= 20, "ipmi_password is longer than 20 bytes, the IPMI 2.0 limit.")
      .optional(),
    ipmi_priv_level: z
      .string(typeError("ipmi_priv_level", "a string"))
      .superRefine((s, ctx) => {
        if ((PRIV_LEVELS as readonly string[]).includes(s)) return;
        ctx.addIssue({ code: "custom", message: `Invalid privilege level value:${s.slice(0, 40)}, the valid value can be one of ${[...PRIV_LEVELS].sort().join(", ")}` });
      })
      .optional(),
    ipmi_bridging: z
      .string(typeError("ipmi_bridging", "a string"))
      .superRefine((s, ctx) => {
        if (s === "no") return;
        ctx.addIssue({
          code: "custom",
          message:
            s === "single" || s === "dual"
              ? `ipmi_bridging "${s}" is not supported by the ipmi driver of this conductor; only "no" (talk to the BMC directly).`
              : `Invalid value for ipmi_bridging: ${s.slice(0, 40)}, the valid value can be one of: single, dual, no`,
        });
      })
      .optional(),
    ipmi_protocol_version: z
      .union([z.string(), z.number()], typeError("ipmi_protocol_version", "a string"))
      .transform((v) => (typeof v === "number" ? v.toFixed(1) : v))
      .superRefine((v, ctx) => {
        if (v === "2.0") return;
        ctx.addIssue({
          code: "custom",
          message:
            v === "1.5"
              ? 'ipmi_protocol_version "1.5" is not supported: IPMI 1.5 authenticates with MD5 at best and does not encrypt; use "2.0".'
              : `Invalid IPMI protocol version value ${v.slice(0, 40)}, the valid value can be one of 2.0`,
        });
      })
      .optional(),
    ipmi_cipher_suite: int("ipmi_cipher_suite", 0, 255, "a number")
      .superRefine((n, ctx) => {
        if ((CIPHER_SUITES as readonly number[]).includes(n)) return;
        ctx.addIssue({
          code: "custom",
          message:
            n === 0
              ? "ipmi_cipher_suite 0 is refused: it gives anyone unauthenticated access to the BMC; use 17 or 3."
              : `ipmi_cipher_suite ${n} is not a cipher suite ipmitool supports; one of ${CIPHER_SUITES.join(", ")} (17 or 3 recommended).`,
        });
      })
      .optional(),
    ipmi_hex_kg_key: z
      .unknown()
      .refine((v) => v === undefined || v === null || v === "", "ipmi_hex_kg_key is not supported: ipmitool takes a hex Kg key only on its command line, where other users could read it.")
      .optional(),
    ipmi_terminal_port: int("ipmi_terminal_port", 1, 65535, "a valid port").optional(),
    ipmi_force_boot_device: bool("ipmi_force_boot_device")
      .refine((v) => !v, "ipmi_force_boot_device is not supported: this driver relies on the BMC remembering a persistent boot device.")
      .optional(),
    ipmi_disable_boot_timeout: bool("ipmi_disable_boot_timeout").optional(),
  })
  .passthrough();

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const field = String(issue.path[0] ?? "driver_info");
  return issue.message.includes(field) ? issue.message : `${field}: ${issue.message}`;
}

/**
 * The shape check behind `HardwareType.checkDriverInfo`: null when every ipmi_* field present
 * is well formed, else a reason naming the first bad field. Missing fields are fine here.
 * @example
 * checkIpmiDriverInfo({ ipmi_address: "10.0.0.5", ipmi_port: "70000" });
 * // 'ipmi_port "70000" is not a valid port.'
 */
export function checkIpmiDriverInfo(info: Record<string, unknown>): string | null {
  const r = IpmiDriverInfoSchema.safeParse(info ?? {});
  return r.success ? null : firstIssue(r.error);
}

/** Ironic's wording for missing required fields (only `ipmi_address` is required). */
export function missingIpmiFields(info: Record<string, unknown>): string | null {
  const missing = ["ipmi_address"].filter((k) => info?.[k] === undefined || info[k] === null || info[k] === "");
  return missing.length ? `Missing the following IPMI credentials in node's driver_info: ${missing.join(", ")}.` : null;
}

/**
 * Reads a node's driver_info into an `IpmiTarget`, or a reason it cannot be used (missing
 * or malformed field). No BMC is contacted.
 * @example
 * const t = parseIpmiDriverInfo({ ipmi_address: "10.0.0.5", ipmi_password: "pw" });
 * if (typeof t === "string") throw conductorError("DRIVER_INFO_INVALID", { reason: t });
 */
export function parseIpmiDriverInfo(info: Record<string, unknown>): IpmiTarget | string {
  const missing = missingIpmiFields(info);
  if (missing) return missing;
  const r = IpmiDriverInfoSchema.safeParse(info);
  if (!r.success) return firstIssue(r.error);
  const d = r.data;
  return {
    address: d.ipmi_address!,
    port: d.ipmi_port ?? 623,
    username: d.ipmi_username ? d.ipmi_username : null,
    password: d.ipmi_password ?? "",
    privLevel: (d.ipmi_priv_level as PrivLevel | undefined) ?? "ADMINISTRATOR",
    cipherSuite: d.ipmi_cipher_suite ?? null,
    disableBootTimeout: d.ipmi_disable_boot_timeout ?? true,
  };
}
