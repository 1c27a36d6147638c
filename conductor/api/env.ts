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

/**
 * A collection body, Ironic style: `{ [key]: items }`, plus `next` (the same query with
 * `marker` = the last item) when the page is full.
 * @example return c.json(page(c, "nodes", views, limit, nodes.at(-1)?.uuid));
 */
export function page(c: Context, key: string, items: unknown[], limit: number, lastUuid: string | undefined): Record<string, unknown> {
  const body: Record<string, unknown> = { [key]: items };
  if (items.length === limit && lastUuid) {
    const next = new URL(c.req.url);
    next.searchParams.set("limit", String(limit));
    next.searchParams.set("marker", lastUuid);
    body.next = next.toString();
  }
  return body;
}
