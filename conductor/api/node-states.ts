/**
 * @module conductor/api/node-states
 * `/v1/nodes/{id}/states`: read the states, `PUT .../power`, `PUT .../provision`.
 */
import { Hono } from "hono";
import { PowerTargetSchema, ProvisionTargetSchema } from "../../protocol/ironic-api.ts";
import { conductorError } from "../errors.ts";
import type { ConductorContext } from "../orchestration/context.ts";
import { requestPower } from "../orchestration/power-request.ts";
import { requestProvision } from "../orchestration/provision.ts";
import { baseUrl, type ApiEnv } from "./env.ts";
import { statesView } from "./node-view.ts";
import { readBody } from "./validate.ts";
import { allows, checkVerb } from "./versions.ts";


/**
 * @example
 * app.route("/v1/nodes", createNodeStateRoutes(ctx));
 */
export function createNodeStateRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.get("/:ident/states", (c) => {
    const node = ctx.store.nodes.find(c.req.param("ident"));
    if (!node) throw conductorError("NODE_NOT_FOUND", { node: c.req.param("ident") });
    return c.json(statesView(node, baseUrl(c), c.get("minor")));
  });

  app.put("/:ident/states/power", async (c) => {
    const body = await readBody(c, PowerTargetSchema);
    const node = ctx.store.nodes.find(c.req.param("ident"));
    if (!node) throw conductorError("NODE_NOT_FOUND", { node: c.req.param("ident") });
    // Soft actions and `timeout` came with 1.27; Ironic answers older clients 406.
    if ((body.target.startsWith("soft ") || body.timeout) && !allows("soft_power", c.get("minor"))) throw conductorError("NOT_ACCEPTABLE");
    requestPower(ctx, c.req.param("ident"), body);
    c.header("Location", `${baseUrl(c)}/v1/nodes/${c.req.param("ident")}/states`);
    return c.body(null, 202);
  });

  app.put("/:ident/states/provision", async (c) => {
    const body = await readBody(c, ProvisionTargetSchema);
    checkVerb(body.target, c.get("minor"));
    const node = ctx.store.nodes.find(c.req.param("ident"));
    if (node?.attrs.retired && body.target === "provide") throw conductorError("NODE_RETIRED", { op: "providing", node: node.uuid });
    requestProvision(ctx, c.req.param("ident"), body);
    c.header("Location", `${baseUrl(c)}/v1/nodes/${c.req.param("ident")}/states`);
    return c.body(null, 202);
  });

  return app;
}
