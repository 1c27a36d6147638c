/**
 * @module conductor/api/resources/shards
 * `GET /v1/shards` (API 1.82): how many nodes each shard holds, most first, as Ironic's
 * `get_shard_list`: nodes without a shard count under the name "None" (Python's `str(None)`),
 * no paging (the list is as long as the shards). As Ironic's controller, in webob's body: below
 * 1.82 a GET is a 404 and any other method a 405; one shard is not a resource (404), and the
 * collection takes no writes (405).
 */
import { Hono, type Context } from "hono";
import { ironicErrorBody, webobErrorBody } from "../../../protocol/ironic-api.ts";
import type { ConductorContext } from "../../orchestration/context.ts";
import type { ApiEnv } from "../env.ts";

export const SHARDS_MINOR = 82;
const TOO_OLD = "The API version does not allow shards";

/** The version check Ironic's `_route` makes before any handler, or null when the version allows shards. */
function tooOld(c: Context<ApiEnv>): Response | null {
  if (c.get("minor") >= SHARDS_MINOR) return null;
  return c.req.method === "GET" ? c.json(webobErrorBody(TOO_OLD, 404, "Not Found"), 404) : c.json(webobErrorBody(TOO_OLD, 405, "Method Not Allowed"), 405);
}

/**
 * @example app.route("/v1/shards", createShardRoutes(ctx));
 */
export function createShardRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get("/", (c) => tooOld(c) ?? c.json({ shards: ctx.store.nodes.shardCounts().map((s) => ({ name: String(s.shard ?? "None"), count: s.count })) }));
  app.get("/:name", (c) => tooOld(c) ?? c.json(ironicErrorBody("The resource could not be found.", 404), 404));
  app.all("/*", (c) => tooOld(c) ?? c.json(webobErrorBody("", 405, "Method Not Allowed"), 405));
  return app;
}
