/**
 * @module conductor/agent-client/callback-url
 * Which callback URLs the conductor will call. A heartbeat's `callback_url` is chosen by
 * whoever holds the node's agent token, and the conductor then POSTs the node's commands
 * (image URLs, the configdrive) there and records what comes back; so it must name an agent
 * and nothing else: `http(s)://ADDRESS:PORT`, an IP literal (no name to re-resolve to
 * something else later), no userinfo, path, query or fragment, not a link-local (cloud
 * metadata), unspecified, multicast or broadcast address, and loopback only when the
 * conductor itself listens on loopback (tests, a single-host lab).
 */
import { isIP } from "node:net";
import { isLoopbackAddress, isNonHostAddress } from "../../common/ip-address.ts";

export interface CallbackRules {
  /** `agent.require_tls`: only https. */
  requireTls: boolean;
  /** Loopback agents are accepted (the conductor listens on loopback itself). */
  allowLoopback: boolean;
}

export type CallbackCheck = { ok: true; url: string } | { ok: false; reason: string; tls?: boolean };

/**
 * Checks a heartbeat's callback URL; on success returns it normalised (`http://10.0.0.5:9999`).
 * @example
 * checkCallbackUrl("file:///etc/passwd", { requireTls: false, allowLoopback: false });
 * // { ok: false, reason: "the scheme must be http or https" }
 */
export function checkCallbackUrl(raw: string, rules: CallbackRules): CallbackCheck {
  // Written out in full: the URL parser would also read "http:10.0.0.5:1" or " http://..." leniently.
  if (!/^https?:\/\/[^\s\\]+$/i.test(raw)) {
    return { ok: false, reason: /^https?:/i.test(raw) ? "it must be scheme://address:port" : "the scheme must be http or https" };
  }
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { ok: false, reason: "it is not a URL" };
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return { ok: false, reason: "the scheme must be http or https" };
  if (rules.requireTls && u.protocol !== "https:") return { ok: false, reason: "https is required", tls: true };
  if (u.username || u.password || /^[a-z][a-z0-9+.-]*:\/*[^/]*@/i.test(raw)) {
    return { ok: false, reason: "it must not carry credentials" };
  }
  if ((u.pathname !== "/" && u.pathname !== "") || u.search || u.hash || /[?#]/.test(raw)) {
    return { ok: false, reason: "it must be scheme://address:port with no path, query or fragment" };
  }
  const host = u.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) === 0) return { ok: false, reason: "the host must be an IP address" };
  if (isNonHostAddress(host)) return { ok: false, reason: `${host} is not an address an agent can have` };
  if (isLoopbackAddress(host) && !rules.allowLoopback) return { ok: false, reason: "a loopback address is refused unless the conductor listens on loopback" };
  if (u.port === "0") return { ok: false, reason: "port 0 is not a port" };
  return { ok: true, url: `${u.protocol}//${u.host}` };
}

/** True when an agent URL already stored may be called (defence in depth for stored state). */
export function isCallableAgentUrl(url: string): boolean {
  return /^https?:\/\/[^/@?#\s]+\/?$/i.test(url);
}
