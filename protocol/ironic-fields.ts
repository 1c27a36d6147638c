/**
 * @module protocol/ironic-fields
 * Ironic's rules for single fields of nodes and ports, as zod schemas whose messages read
 * like Ironic's (`Expected UUID for instance_uuid: ...`): logical names (RFC 3986 unreserved
 * characters, not UUID-like), UUIDs as oslo's `is_uuid_like`, booleans as oslo's
 * `bool_from_string(strict=True)`, conductor groups, bounded strings and dicts.
 */
import { z } from "zod";
import { FALSE_WORDS, parseBooleanString, TRUE_WORDS } from "../common/boolean-string.ts";

/** Issues whose message already names the field (describeZodError prints them alone). */
export const STANDALONE = { standalone: true } as const;

/** A value as Ironic prints it in a message, cut short. */
export function shown(v: unknown): string {
  let s: string;
  try {
    s = typeof v === "string" ? v : JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 100 ? `${s.slice(0, 100)}...` : s;
}

/** oslo's `is_uuid_like`: 32 hex digits once dashes (and `urn:uuid:`, braces) are dropped. */
export function isUuidLike(v: string): boolean {
  const hex = v.replace("urn:", "").replace("uuid:", "").replace(/^\{+|\}+$/g, "").replaceAll("-", "");
  return /^[0-9a-fA-F]{32}$/.test(hex);
}

/** Ironic's logical name: unreserved characters, at most 255 (`is_valid_logical_name`). */
export function isLogicalName(v: string): boolean {
  return v.length > 0 && v.length <= 255 && /^[A-Za-z0-9._~-]+$/.test(v);
}

/**
 * Names that cannot name a node here: `.` and `..` (a URL path segment a client or proxy
 * normalises away, so /v1/nodes/.. never reaches the node) and the words the nodes
 * controller uses itself (Ironic's reserved names).
 */
export const RESERVED_NODE_NAMES = new Set([".", "..", "detail", "validate"]);

/** Why `v` is not an acceptable node name, or null. Ironic: `is_valid_node_name` + reserved words. */
export function nodeNameProblem(v: string): string | null {
  if (!isLogicalName(v) || isUuidLike(v)) return `Cannot use invalid name '${shown(v)}' for a node: a name is 1 to 255 of A-Z a-z 0-9 . _ ~ - and does not look like a UUID`;
  if (RESERVED_NODE_NAMES.has(v.toLowerCase())) return `The word "${v}" is reserved and can not be used as a node name. Reserved words are: ${[...RESERVED_NODE_NAMES].join(", ")}.`;
  return null;
}

/** A node (or port) name: a string that passes {@link nodeNameProblem}. */
export const NodeNameSchema = z.string().superRefine((v, ctx) => {
  const problem = nodeNameProblem(v);
  if (problem) ctx.addIssue({ code: "custom", message: problem, params: STANDALONE });
});

/** `field` must be UUID-like (`args.uuid`). */
export function uuidField(field: string) {
  return z.unknown().superRefine((v, ctx) => {
    if (typeof v !== "string" || !isUuidLike(v)) ctx.addIssue({ code: "custom", message: `Expected UUID for ${field}: ${shown(v)}`, params: STANDALONE });
  }) as unknown as z.ZodType<string>;
}

/** oslo's `bool_from_string` words, as its error lists them. */
const ACCEPTABLE = `'${[...FALSE_WORDS, ...TRUE_WORDS].sort().join("', '")}'`;

/** `field` is a boolean or a string oslo reads as one (`args.boolean`); becomes a boolean. */
export function booleanField(field: string) {
  return z.unknown().transform((v, ctx) => {
    if (typeof v === "boolean") return v;
    const b = typeof v === "string" ? parseBooleanString(v) : undefined;
    if (b !== undefined) return b;
    ctx.addIssue({ code: "custom", message: `Invalid ${field}: Unrecognized value '${shown(v)}', acceptable values are: ${ACCEPTABLE}`, params: STANDALONE });
    return z.NEVER;
  }) as unknown as z.ZodType<boolean>;
}

/**
 * A boolean query parameter (`?detail=true`): one of oslo's words, any case, as Ironic's
 * `args.boolean` reads it.
 * @example
 * z.object({ detail: queryBoolean.optional() }).parse({ detail: "True" }); // { detail: true }
 */
export const queryBoolean = z.string().transform((s, ctx) => {
  const b = parseBooleanString(s);
  if (b !== undefined) return b;
  ctx.addIssue({ code: "custom", message: `Unrecognized value '${shown(s)}', acceptable values are: ${ACCEPTABLE}` });
  return z.NEVER;
});

/** A string of at most `max` characters (Ironic's column sizes and schema maxLength). */
export function textField(field: string, max = 255) {
  return z.unknown().superRefine((v, ctx) => {
    if (typeof v !== "string") ctx.addIssue({ code: "custom", message: `Expected string for ${field}: ${shown(v)}`, params: STANDALONE });
    else if (v.length > max) ctx.addIssue({ code: "custom", message: `Invalid ${field}: longer than ${max} characters`, params: STANDALONE });
  }) as unknown as z.ZodType<string>;
}

/** A JSON object (not an array, not a scalar). */
export function dictField(field: string) {
  return z.unknown().superRefine((v, ctx) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) ctx.addIssue({ code: "custom", message: `Expected a dictionary for ${field}: ${shown(v)}`, params: STANDALONE });
  }) as unknown as z.ZodType<Record<string, unknown>>;
}

/**
 * Ironic's conductor group: letters, digits, `_`, `-`, `.`, at most 255. Kept as sent: the
 * conductor names it so in its errors, and lower-cases it when it stores it.
 */
export const ConductorGroupSchema = z.unknown().transform((v, ctx) => {
  if (typeof v !== "string" || v.length > 255 || !/^[A-Za-z0-9_.-]*$/.test(v)) {
    ctx.addIssue({ code: "custom", message: `Invalid conductor_group ${shown(v)}: only letters, digits, '_', '-' and '.' (at most 255)`, params: STANDALONE });
    return z.NEVER;
  }
  return v;
}) as unknown as z.ZodType<string>;

const LOCAL_LINK_KEYS = new Set(["port_id", "switch_id", "hostname", "switch_info", "network_type"]);

/** Why `v` is not a valid local_link_connection (Ironic's LOCAL_LINK_VALIDATOR), or null. */
function localLinkProblem(v: unknown): string | null {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return "expected a dictionary";
  const o = v as Record<string, unknown>;
  for (const [k, x] of Object.entries(o)) {
    if (!LOCAL_LINK_KEYS.has(k)) return `unknown field '${shown(k)}' (allowed: ${[...LOCAL_LINK_KEYS].join(", ")})`;
    if (typeof x !== "string") return `'${k}' must be a string`;
  }
  if (o.network_type !== undefined && o.network_type !== "managed" && o.network_type !== "unmanaged") return "'network_type' must be 'managed' or 'unmanaged'";
  const sw = o.switch_id as string | undefined;
  if (sw !== undefined && !/^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i.test(sw) && !/^[0-9a-f]{16}$/i.test(sw)) return `switch_id ${shown(sw)} is neither a MAC address nor an OpenFlow datapath_id`;
  const keys = Object.keys(o).length;
  const ok = keys === 0 || (o.port_id !== undefined && (o.switch_id !== undefined || o.hostname !== undefined)) || o.network_type !== undefined;
  return ok ? null : "needs port_id with switch_id (or hostname for a smart NIC), or network_type";
}

/** A port's local_link_connection, as Ironic validates it. */
export const LocalLinkConnectionSchema = z.unknown().superRefine((v, ctx) => {
  const problem = localLinkProblem(v);
  if (problem) ctx.addIssue({ code: "custom", message: `Invalid local_link_connection: ${problem}`, params: STANDALONE });
}) as unknown as z.ZodType<Record<string, string>>;
