/**
 * @module conductor/api/microversion
 * Ironic's microversion negotiation: `X-OpenStack-Ironic-API-Version: 1.N | latest` (or
 * `OpenStack-API-Version: baremetal 1.N`); no header means the minimum; out of range is 406
 * with the supported range in the min/max headers, which clients use to negotiate. What each
 * version changed is data in `versions.ts`.
 */
import type { MiddlewareHandler } from "hono";
import { API_VERSION_HEADER } from "../../protocol/ramdisk-api.ts";
import { MAX_VERSION_HEADER, MIN_VERSION_HEADER } from "../../protocol/ironic-api.ts";
import { conductorError } from "../errors.ts";
import { MAX_MINOR, MAX_VERSION, MIN_MINOR, MIN_VERSION } from "./versions.ts";

export { MAX_MINOR, MAX_VERSION, MIN_MINOR, MIN_VERSION } from "./versions.ts";

/** Parses a requested version to its minor number (Ironic: anything but `N.N` is 406). */
export function parseVersion(raw: string | undefined): number {
  if (raw === undefined || raw === "") return MIN_MINOR;
  const v = raw.trim().toLowerCase();
  if (v === "latest") return MAX_MINOR;
  const m = /^(\d{1,4})\.(\d{1,4})$/.exec(v);
  if (!m) throw conductorError("VERSION_INVALID");
  const version = `${Number(m[1])}.${Number(m[2])}`;
  if (Number(m[1]) !== 1) throw conductorError("VERSION_MAJOR", { version, min: MIN_VERSION, max: MAX_VERSION });
  const minor = Number(m[2]);
  if (minor < MIN_MINOR || minor > MAX_MINOR) throw conductorError("VERSION_NOT_ACCEPTABLE", { version, min: MIN_VERSION, max: MAX_VERSION });
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
    const minor = parseVersion(raw);
    c.set("minor", minor);
    c.header(API_VERSION_HEADER, `1.${minor}`);
    await next();
  };
}
