/**
 * @module conductor/drivers/redfish/bmc-errors
 * What went wrong talking to a Redfish BMC, as the conductor's catalogued errors:
 * 401/403 -> `BMC_AUTH_FAILED`; refused, unresolvable or untrusted (TLS) -> `BMC_UNREACHABLE`;
 * out of time -> `BMC_TIMEOUT`; an action or value the BMC refuses (405, 501, or 400 with
 * a "not supported / not in list" message) -> `BMC_UNSUPPORTED`; anything else -> `BMC_ERROR`,
 * carrying Redfish's `@Message.ExtendedInfo` text, bounded, with any secret scrubbed.
 */
import { conductorError, type ConductorError } from "../../errors.ts";

const DRIVER = "redfish";
const MAX_MESSAGE = 300;

// Base registry MessageIds meaning "this action, parameter or value is not available here".
const UNSUPPORTED_IDS =
  /\.(ActionNotSupported|ActionParameterNotSupported|ActionParameterUnknown|ActionParameterValueNotInList|ActionParameterValueError|PropertyValueNotInList|PropertyNotWritable|PropertyUnknown|OperationNotAllowed)$/;

// OpenSSL/BoringSSL verification codes as Bun's fetch reports them.
const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "CERT_SIGNATURE_FAILURE",
  "INVALID_CA",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "HOSTNAME_MISMATCH",
]);

interface ExtendedInfo {
  MessageId?: unknown;
  Message?: unknown;
}

function extendedInfo(body: unknown): ExtendedInfo[] {
  const err = (body as { error?: Record<string, unknown> } | null)?.error;
  const info = err?.["@Message.ExtendedInfo"] ?? (body as Record<string, unknown> | null)?.["@Message.ExtendedInfo"];
  return Array.isArray(info) ? (info.filter((m) => m && typeof m === "object") as ExtendedInfo[]) : [];
}

/** Replaces every secret with `***` and bounds the length. */
export function scrub(text: string, secrets: readonly (string | null | undefined)[] = [], max = MAX_MESSAGE): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 3) out = out.split(s).join("***");
  out = out.replace(/\s+/g, " ").trim();
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

/**
 * The human text of a Redfish error body: the ExtendedInfo messages, else `error.message`.
 * @example
 * redfishMessage({ error: { "@Message.ExtendedInfo": [{ Message: "The value Red is not in the list" }] } });
 * // "The value Red is not in the list"
 */
export function redfishMessage(body: unknown, secrets: readonly (string | null | undefined)[] = []): string | null {
  const msgs = extendedInfo(body)
    .map((m) => (typeof m.Message === "string" ? m.Message : null))
    .filter((m): m is string => !!m);
  const fallback = (body as { error?: { message?: unknown } } | null)?.error?.message;
  const text = msgs.length ? msgs.join("; ") : typeof fallback === "string" ? fallback : null;
  return text ? scrub(text, secrets) : null;
}

/** The ExtendedInfo MessageIds (`Base.1.8.ActionParameterValueNotInList`, ...). */
export function messageIds(body: unknown): string[] {
  return extendedInfo(body)
    .map((m) => m.MessageId)
    .filter((id): id is string => typeof id === "string");
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  412: "Precondition Failed",
  428: "Precondition Required",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
};

export interface HttpErrorContext {
  bmc: string;
  /** The call, for BMC_ERROR: `power on`, `set boot device`, ... */
  action: string;
  /** What was asked, for BMC_UNSUPPORTED: `ResetType "ForceOn"`, `boot device "Cd"`. */
  what?: string;
  username?: string | null;
  secrets?: readonly (string | null | undefined)[];
}

/**
 * The catalogued error for a non-2xx answer.
 * @example
 * httpError(401, body, { bmc: "https://10.0.0.5", action: "get power state", username: "admin" }).code; // "BMC_AUTH_FAILED"
 */
export function httpError(status: number, body: unknown, ctx: HttpErrorContext): ConductorError {
  const msg = redfishMessage(body, ctx.secrets);
  const http = `HTTP ${status}${REASONS[status] ? ` ${REASONS[status]}` : ""}`;
  const detail = msg ? `${http}: ${msg}` : http;
  if (status === 401) {
    const who = ctx.username ? `the credentials of user "${ctx.username}"` : "the request without credentials (driver_info has no redfish_username)";
    return conductorError("BMC_AUTH_FAILED", { driver: DRIVER, bmc: ctx.bmc, reason: `the BMC refused ${who} (${detail})` });
  }
  if (status === 403) {
    const who = ctx.username ? `user "${ctx.username}"` : "the anonymous user";
    return conductorError("BMC_AUTH_FAILED", { driver: DRIVER, bmc: ctx.bmc, reason: `${who} is not allowed to ${ctx.action} (${detail})` });
  }
  const unsupported = status === 405 || status === 501 || (status === 400 && messageIds(body).some((id) => UNSUPPORTED_IDS.test(id)));
  if (unsupported && ctx.what) return conductorError("BMC_UNSUPPORTED", { driver: DRIVER, bmc: ctx.bmc, what: `${ctx.what} (${detail})` });
  return conductorError("BMC_ERROR", { driver: DRIVER, bmc: ctx.bmc, action: ctx.action, reason: detail });
}

/** Whether a thrown fetch error is a TLS verification failure. */
export function isTlsVerifyFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && (TLS_CODES.has(code) || /CERT|SSL|TLS/.test(code));
}

/** Whether nothing reached the BMC (so even a non-idempotent request may be sent again). */
export function isConnectRefused(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "ECONNREFUSED";
}

/** Whether a thrown fetch error came from our own deadline. */
export function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === "TimeoutError" || name === "AbortError";
}

/**
 * The catalogued error for a request that got no HTTP answer.
 * @example
 * transportError({ code: "DEPTH_ZERO_SELF_SIGNED_CERT" }, { bmc, action: "get power state", seconds: 30 }).message;
 * // "redfish BMC https://... is unreachable: certificate verify failed (DEPTH_ZERO_SELF_SIGNED_CERT) ..."
 */
export function transportError(error: unknown, ctx: { bmc: string; action: string; seconds: number; secrets?: readonly (string | null | undefined)[] }): ConductorError {
  if (isTimeout(error)) return conductorError("BMC_TIMEOUT", { driver: DRIVER, bmc: ctx.bmc, action: ctx.action, seconds: Math.round(ctx.seconds * 10) / 10 }, error);
  const code = String((error as { code?: unknown } | null)?.code ?? "");
  const message = scrub(String((error as Error | null)?.message ?? error), ctx.secrets, 200);
  let reason: string;
  if (isTlsVerifyFailure(error)) {
    reason =
      `certificate verify failed (${code}: ${message}); set driver_info/redfish_verify_ca to the path of the BMC's CA bundle, ` +
      "or to False to skip verification";
  } else if (code === "ECONNREFUSED") {
    reason = "connection refused";
  } else if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME") {
    reason = `cannot resolve its host name (${code})`;
  } else {
    reason = code ? `${code}: ${message}` : message;
  }
  return conductorError("BMC_UNREACHABLE", { driver: DRIVER, bmc: ctx.bmc, reason }, error);
}
