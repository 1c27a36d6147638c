/**
 * @module conductor/drivers/redfish/driver-info
 * A node's `driver_info` for Redfish, by Ironic's names and rules (`redfish/utils.py`
 * `parse_driver_info`): `redfish_address` (required; `https://` assumed without a scheme; a
 * path is the service root), `redfish_system_id`, `redfish_username`, `redfish_password`,
 * `redfish_verify_ca` (a boolean, a boolean word, or a CA bundle file or directory) and
 * `redfish_auth_type` (`auto`, `session`, `basic`). Messages follow Ironic's wording.
 *
 * Stricter than Ironic where a value would put a secret in a URL or send requests elsewhere:
 * an address with `user:password@` and a system id that is not a path on the BMC are refused.
 */
import { existsSync } from "node:fs";
import { z } from "zod";
import type { NodeRecord } from "../../store/node-record.ts";

export type AuthType = "auto" | "session" | "basic";
export const AUTH_TYPES: readonly AuthType[] = ["auto", "session", "basic"];

/** Everything a request needs to reach one BMC, parsed once per call. */
export interface RedfishTarget {
  /** `scheme://host[:port]`, never with credentials: safe to log and to put in errors. */
  origin: string;
  /** Ironic's `root_prefix`: the service root's path, ending with `/` (default `/redfish/v1/`). */
  rootPrefix: string;
  /** Path of the ComputerSystem (`/redfish/v1/Systems/1`); null: the BMC's only one. */
  systemId: string | null;
  username: string | null;
  password: string | null;
  /** true: verify against the system's roots (or the configured bundle); false: do not verify; string: CA bundle file or directory. */
  verifyCa: boolean | string;
  authType: AuthType;
}

export interface DriverInfoDefaults {
  /** `[redfish] auth_type`. */
  authType: AuthType;
  /** `[redfish] verify_ca`: the bundle used when `redfish_verify_ca` is missing or true. */
  verifyCa: string | null;
}

const DEFAULT_ROOT = "/redfish/v1/";
// oslo's strutils.bool_from_string(strict=True) words, compared lower-cased and trimmed.
const TRUE_WORDS = new Set(["1", "t", "true", "on", "y", "yes"]);
const FALSE_WORDS = new Set(["0", "f", "false", "off", "n", "no"]);

const SYSTEM_PATH = /^\/(?!\/)[^\s?#]*$/;

function show(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** `redfish_address` -> origin and root prefix, or why not. The value is echoed only when it holds no credentials. */
export function parseAddress(value: unknown): { origin: string; rootPrefix: string } | { reason: string } {
  const invalid = (shown: string) => ({ reason: `Invalid Redfish address ${shown} set in driver_info/redfish_address` });
  if (typeof value !== "string" || !value.trim()) return invalid(show(value));
  const raw = value.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return invalid(raw.includes("@") ? "(not shown: it may hold credentials)" : raw);
  }
  if (url.username || url.password) {
    return { reason: "Invalid Redfish address set in driver_info/redfish_address: it must not hold credentials; use redfish_username and redfish_password" };
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || !url.hostname || url.search || url.hash) return invalid(raw);
  const path = url.pathname === "/" || url.pathname === "" ? DEFAULT_ROOT : url.pathname.endsWith("/") ? url.pathname : `${url.pathname}/`;
  return { origin: url.origin, rootPrefix: path };
}

/** `redfish_verify_ca` -> boolean or bundle path, or why not (Ironic's rule: a bool word, else an existing file or directory). */
export function parseVerifyCa(value: unknown): { verifyCa: boolean | string } | { reason: string } {
  if (typeof value === "boolean") return { verifyCa: value };
  if (typeof value === "string") {
    if (existsSync(value)) return { verifyCa: value };
    const word = value.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return { verifyCa: true };
    if (FALSE_WORDS.has(word)) return { verifyCa: false };
  }
  return {
    reason: `Invalid value type set in driver_info/redfish_verify_ca. The value should be a Boolean or the path to a file/directory, not "${show(value)}"`,
  };
}

/** A field whose check returns a value or a reason; the reason becomes the zod issue's message. */
function field<T>(check: (v: unknown) => T | { reason: string }) {
  return z
    .unknown()
    .transform((v, ctx) => {
      const r = check(v);
      if (r && typeof r === "object" && "reason" in r) {
        ctx.addIssue({ code: "custom", message: r.reason });
        return z.NEVER;
      }
      return r as T;
    })
    .nullish();
}

const credential = (key: string) => (v: unknown) =>
  // The value is never echoed: it may be the password.
  typeof v === "string" ? v : { reason: `Invalid value type set in driver_info/${key}: it must be a string` };

/** The Redfish keys of `driver_info`; other interfaces' keys pass through untouched. `null` counts as absent. */
export const RedfishDriverInfoSchema = z.looseObject({
  redfish_address: field((v) => (v === "" ? null : parseAddress(v))),
  redfish_system_id: field((v) =>
    typeof v === "string" && SYSTEM_PATH.test(v) && !v.split("/").includes("..")
      ? v
      : {
          reason:
            `Invalid value "${show(v)}" set in driver_info/redfish_system_id. The value should be a path (string) to the resource ` +
            "that the driver will interact with. For example: /redfish/v1/Systems/1",
        },
  ),
  redfish_username: field(credential("redfish_username")),
  redfish_password: field(credential("redfish_password")),
  redfish_verify_ca: field(parseVerifyCa),
  redfish_auth_type: field((v) =>
    AUTH_TYPES.includes(v as AuthType)
      ? (v as AuthType)
      : { reason: `Invalid value "${show(v)}" set in driver_info/redfish_auth_type. The value should be one of "basic", "session" or "auto".` },
  ),
});

type Parsed = { ok: true; info: z.infer<typeof RedfishDriverInfoSchema> } | { ok: false; reason: string };

function parse(info: Record<string, unknown>): Parsed {
  const r = RedfishDriverInfoSchema.safeParse(info ?? {});
  return r.success ? { ok: true, info: r.data } : { ok: false, reason: r.error.issues[0]?.message ?? "invalid driver_info" };
}

/**
 * The shape check at create/update: a malformed field is named; a missing one is fine here.
 * @example
 * checkRedfishDriverInfo({ redfish_auth_type: "digest" });
 * // 'Invalid value "digest" set in driver_info/redfish_auth_type. The value should be one of "basic", "session" or "auto".'
 */
export function checkRedfishDriverInfo(info: Record<string, unknown>): string | null {
  const r = parse(info);
  return r.ok ? null : r.reason;
}

/**
 * What `validate` reports: the missing required field in Ironic's wording, else the first malformed one.
 * @example
 * validateRedfishNode({ uuid: "u1", driver_info: {} });
 * // "Missing the following Redfish properties in node u1 driver_info: ['redfish_address']"
 */
export function validateRedfishNode(node: Pick<NodeRecord, "uuid" | "driver_info">): string | null {
  const info = node.driver_info ?? {};
  if (!info.redfish_address) return `Missing the following Redfish properties in node ${node.uuid} driver_info: ['redfish_address']`;
  const r = parse(info);
  // Ironic names the node right after the field: "... set in driver_info/redfish_auth_type on node <uuid>. ..."
  return r.ok ? null : r.reason.replace(/driver_info\/redfish_\w+/, (field) => `${field} on node ${node.uuid}`);
}

/**
 * The node's BMC target, defaults applied; null with a reason when `validate` would refuse it.
 * @example
 * const t = resolveRedfishTarget(node, { authType: "auto", verifyCa: null });
 * if ("reason" in t) throw conductorError("DRIVER_INFO_INVALID", { reason: t.reason });
 */
export function resolveRedfishTarget(node: Pick<NodeRecord, "uuid" | "driver_info">, defaults: DriverInfoDefaults): RedfishTarget | { reason: string } {
  const problem = validateRedfishNode(node);
  if (problem) return { reason: problem };
  const r = parse(node.driver_info);
  if (!r.ok) return { reason: r.reason };
  const i = r.info;
  if (!i.redfish_address) return { reason: `Missing the following Redfish properties in node ${node.uuid} driver_info: ['redfish_address']` };
  const verify = i.redfish_verify_ca?.verifyCa ?? true;
  return {
    origin: i.redfish_address.origin,
    rootPrefix: i.redfish_address.rootPrefix,
    systemId: i.redfish_system_id ?? null,
    username: i.redfish_username ?? null,
    password: i.redfish_password ?? null,
    authType: i.redfish_auth_type ?? defaults.authType,
    verifyCa: verify === true && defaults.verifyCa ? defaults.verifyCa : verify,
  };
}
