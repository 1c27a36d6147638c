/**
 * @module conductor/api/microversion
 * Ironic's microversion negotiation: `X-OpenStack-Ironic-API-Version: 1.N | latest` (or
 * `OpenStack-API-Version: baremetal 1.N`); no header means the minimum; out of range is 406
 * with the supported range in the min/max headers, which clients use to negotiate.
 */
import type { MiddlewareHandler } from "hono";
import { API_VERSION_HEADER } from "../../protocol/ramdisk-api.ts";
import { MAX_VERSION_HEADER, MIN_VERSION_HEADER } from "../../protocol/ironic-api.ts";
import { conductorError } from "../errors.ts";

export const MIN_MINOR = 1;
/** Ironic 21.4 (Debian bookworm) answers 1.82. */
export const MAX_MINOR = 82;
/**
 * `POST /v1/continue_inspection` alone also accepts 1.84, the version Ironic added it in
 * (the rest of 1.83-1.84 is not implemented, so the global maximum stays 1.82).
 */
export const CONTINUE_INSPECTION_MINOR = 84;
const PATH_MAX: Record<string, number> = { "/v1/continue_inspection": CONTINUE_INSPECTION_MINOR };
/**
 * Node sub-resources newer than 1.82 (children 1.83, firmware 1.86, vmedia 1.89, and the
 * provision endpoint for `service`, 1.87) accept the
 * version that introduced them, as `continue_inspection` does, until the global maximum
 * reaches them.
 */
export const SUBRESOURCE_MINOR = { children: 83, firmware: 86, service: 87, vmedia: 89 } as const;
const PATTERN_MAX: readonly [RegExp, number][] = [
  [/^\/v1\/nodes\/[^/]+\/children$/, SUBRESOURCE_MINOR.children],
  [/^\/v1\/nodes\/[^/]+\/firmware$/, SUBRESOURCE_MINOR.firmware],
  [/^\/v1\/nodes\/[^/]+\/vmedia$/, SUBRESOURCE_MINOR.vmedia],
  // `service` (with service_steps) is a provision verb of 1.87.
  [/^\/v1\/nodes\/[^/]+\/states\/provision$/, SUBRESOURCE_MINOR.service],
];
export const MIN_VERSION = `1.${MIN_MINOR}`;
export const MAX_VERSION = `1.${MAX_MINOR}`;

/** Parses a requested version to its minor number. */
export function parseVersion(raw: string | undefined, max = MAX_MINOR): number {
  if (raw === undefined || raw === "") return MIN_MINOR;
  const v = raw.trim().toLowerCase();
  if (v === "latest") return max;
  const m = /^1\.(\d{1,4})$/.exec(v);
  if (!m) throw conductorError("VERSION_INVALID", { version: raw.slice(0, 40) });
  const minor = Number(m[1]);
  if (minor < MIN_MINOR || minor > max) {
    throw conductorError("VERSION_NOT_ACCEPTABLE", { version: raw.slice(0, 40), min: MIN_VERSION, max: `1.${max}` });
  }
  return minor;
}

/**
 * Sets `c.get("minor")` and the version headers on every response under /v1.
 * @example
 * app.use("/v1/*", microversion());
 */
export function microversion(): MiddlewareHandler<{ Variables: { minor: number } }> {
  return async (c, next) => {
    c.header(MIN_VERSION_HEADER, MIN_VERSION);
    c.header(MAX_VERSION_HEADER, MAX_VERSION);
    c.header("Vary", API_VERSION_HEADER);
    let raw = c.req.header(API_VERSION_HEADER);
    const generic = c.req.header("OpenStack-API-Version");
    if (raw === undefined && generic) {
      const m = /^\s*baremetal\s+(\S+)\s*$/i.exec(generic);
      if (m) raw = m[1];
    }
    const path = c.req.path.replace(/\/+$/, "");
    const max = PATH_MAX[path] ?? PATTERN_MAX.find(([re]) => re.test(path))?.[1] ?? MAX_MINOR;
    if (max !== MAX_MINOR) c.header(MAX_VERSION_HEADER, `1.${max}`);
    const minor = parseVersion(raw, max);
    c.set("minor", minor);
    c.header(API_VERSION_HEADER, `1.${minor}`);
    await next();
  };
}
