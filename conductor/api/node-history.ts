/**
 * @module conductor/api/node-history
 * `/v1/nodes/{id}/history` (API 1.78): the node's recorded events, oldest first, as Ironic's
 * `NodeHistory` (uuid, created_at, severity, event; with `?detail=True` also event_type,
 * conductor, user; events over 255 characters cut in the short form), `limit`/`marker`
 * paging, and one entry at `/history/{uuid}` (always detailed).
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { conductorError } from "../errors.ts";
import type { ConductorContext } from "../orchestration/context.ts";
import { maskSecretsInText } from "../../common/secrets.ts";
import type { HistoryEntry } from "../store/history-store.ts";
import { isoTime } from "../store/node-record.ts";
import { baseUrl, page, type ApiEnv } from "./env.ts";
import { subresourceNode } from "./subresource.ts";
import { LimitSchema, readQuery } from "./validate.ts";

export const HISTORY_MINOR = 78;
const MAX_PAGE = 1000;

const QuerySchema = z
  .object({
    detail: z.enum(["true", "false", "True", "False", "1", "0"]).transform((s) => s === "true" || s === "True" || s === "1").optional(),
    limit: LimitSchema.optional(),
    marker: z.string().uuid("Expected a UUID for marker").optional(),
  })
  .loose();

function view(e: HistoryEntry, base: string, detail: boolean): Record<string, unknown> {
  const text = maskSecretsInText(e.event);
  const out: Record<string, unknown> = {
    uuid: e.uuid,
    created_at: isoTime(e.created_at),
    severity: e.severity,
    event: detail || text.length <= 255 ? text : `${text.slice(0, 251)}...`,
  };
  if (detail) Object.assign(out, { event_type: e.event_type, conductor: e.conductor, user: e.user });
  out.links = [{ href: `${base}/v1/nodes/${e.node_uuid}/history/${e.uuid}`, rel: "self" }];
  return out;
}

/**
 * @example
 * app.route("/v1/nodes", createNodeHistoryRoutes(ctx));
 */
export function createNodeHistoryRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  const list = (forceDetail: boolean) => (c: Context<ApiEnv>) => {
    const node = subresourceNode(ctx, c, HISTORY_MINOR);
    const q = readQuery(c, QuerySchema);
    if (forceDetail) q.detail = true;
    if (q.marker && !ctx.store.history.get(node.uuid, q.marker)) throw conductorError("HISTORY_NOT_FOUND", { history: q.marker });
    const limit = !q.limit || q.limit > MAX_PAGE ? MAX_PAGE : q.limit;
    const entries = ctx.store.history.list(node.uuid, { limit, marker: q.marker });
    const base = baseUrl(c);
    return c.json(page(c, "history", entries.map((e) => view(e, base, q.detail ?? false)), limit, entries.at(-1)?.uuid));
  };
  app.get("/:ident/history", list(false));
  // python-ironicclient's `node history list --long` asks for `/history/detail` (Ironic 21.4
  // answers that 404, as a record named "detail"); Teeth serves the detailed list there.
  app.get("/:ident/history/detail", list(true));

  app.get("/:ident/history/:event", (c) => {
    const node = subresourceNode(ctx, c, HISTORY_MINOR);
    const event = ctx.store.history.get(node.uuid, c.req.param("event"));
    if (!event) throw conductorError("HISTORY_NOT_FOUND", { history: c.req.param("event").slice(0, 64) });
    return c.json(view(event, baseUrl(c), true));
  });

  return app;
}
