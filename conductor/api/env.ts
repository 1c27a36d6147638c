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
    /** `public_url` of the config: the base of every link. */
    publicUrl: string;
  };
}

/**
 * Base URL for links (`links`, `next`, `Location`): the configured `public_url`, never the
 * request's `Host`, which the caller chooses (and may leave out).
 */
export function baseUrl(c: Context<ApiEnv>): string {
  return c.get("publicUrl");
}

/**
 * A collection body, Ironic style: `{ [key]: items }`, plus `next` (the same query with
 * `marker` = the last item) when the page is full.
 * @example return c.json(page(c, "nodes", views, limit, nodes.at(-1)?.uuid));
 */
export function page(c: Context<ApiEnv>, key: string, items: unknown[], limit: number, lastUuid: string | undefined): Record<string, unknown> {
  const body: Record<string, unknown> = { [key]: items };
  if (items.length === limit && lastUuid) {
    // The path as sent (still percent-encoded), after the authority Bun put in front of it.
    const url = c.req.url;
    const q = url.indexOf("?");
    const path = url.slice(url.indexOf("/", url.indexOf("://") + 3), q < 0 ? undefined : q);
    const params = new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
    params.set("limit", String(limit));
    params.set("marker", lastUuid);
    body.next = `${baseUrl(c)}${path}?${params}`;
  }
  return body;
}
