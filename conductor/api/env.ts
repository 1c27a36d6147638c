/**
 * @module conductor/api/env
 * Hono environment of the conductor's API: per-request variables.
 */
import type { Context } from "hono";
import type { Logger } from "../../common/logger.ts";

export interface ApiEnv {
  Variables: {
    /** Negotiated microversion minor (1.N). */
    minor: number;
    /** Child logger carrying the request id. */
    log: Logger;
    reqId: string;
  };
}

/** Base URL of the request (scheme://host:port), for links. */
export function baseUrl(c: Context): string {
  return new URL(c.req.url).origin;
}
