/**
 * @module conductor/api/resources/conductors
 * `/v1/conductors` (API 1.49+): the conductors serving this API. Teeth is one bundled
 * conductor, so the list is this process (alive while it answers).
 */
import { Hono, type Context } from "hono";
import { conductorError } from "../../errors.ts";
import type { ConductorContext } from "../../orchestration/context.ts";
import { isoTime } from "../../store/node-record.ts";
import { gate, links, readList, readShowFields, select, type View } from "../collection.ts";
import { baseUrl, type ApiEnv } from "../env.ts";

export const CONDUCTORS_MINOR = 49;

/**
 * @example app.route("/v1/conductors", createConductorRoutes(ctx));
 */
export function createConductorRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const startedAt = Date.now();
  const view = (base: string): View => ({
    created_at: isoTime(startedAt),
    updated_at: isoTime(Date.now()),
    hostname: ctx.hostname,
    conductor_group: ctx.config.conductor_group,
    drivers: ctx.drivers.names(),
    links: links(base, `conductors/${ctx.hostname}`),
    alive: true,
  });
  const list = (detail: boolean) => (c: Context<ApiEnv>) => {
    gate(c, CONDUCTORS_MINOR);
    const p = readList(c, { sortKeys: ["hostname", "conductor_group", "created_at", "updated_at"], unsortable: ["drivers"], defaultFields: ["hostname", "conductor_group", "alive"] }, detail);
    const all = [view(baseUrl(c))];
    // One conductor: a marker can only be this one, and nothing comes after it.
    const rows = p.marker ? [] : all.slice(0, p.limit);
    return c.json({ conductors: rows.map((r) => select(r, p.fields)) });
  };
  app.get("/", list(false));
  app.get("/detail", list(true));
  app.get("/:hostname", (c) => {
    gate(c, CONDUCTORS_MINOR);
    const fields = readShowFields(c);
    if (c.req.param("hostname") !== ctx.hostname) throw conductorError("CONDUCTOR_NOT_FOUND", { conductor: c.req.param("hostname") });
    return c.json(select(view(baseUrl(c)), fields));
  });
  return app;
}
