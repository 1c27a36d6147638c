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
import { S, verbTarget } from "../state-machine/states.ts";
import { baseUrl, type ApiEnv } from "./env.ts";
import { statesView } from "./node-view.ts";
import { readBody } from "./validate.ts";
import { allows, checkVerb } from "./versions.ts";

/** Soft power off/reboot and the power `timeout` (Ironic's MINOR_27_SOFT_POWER_OFF). */
const SOFT_POWER_MINOR = 27;

/** Aborting an inspection came with 1.41 (older clients get 406, as Ironic). */
const INSPECT_ABORT_MINOR = 41;
/** Aborting a deploy in `wait call-back` came with 1.110: below it, the state refuses abort. */
const DEPLOY_ABORT_MINOR = 110;

function checkAbortVersion(ctx: ConductorContext, ident: string, minor: number): void {
  const node = ctx.store.nodes.find(ident);
  if (!node) return; // requestProvision answers the 404
  if (node.provision_state === S.INSPECTWAIT && minor < INSPECT_ABORT_MINOR) throw conductorError("NOT_ACCEPTABLE");
  if (node.provision_state === S.DEPLOYWAIT && minor < DEPLOY_ABORT_MINOR) {
    throw conductorError("INVALID_STATE_REQUESTED", { action: "abort", node: node.uuid, state: node.provision_state });
  }
}

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

  // Ironic's order: the node (404), the verb's version (406), whether the node's state takes
  // the verb (409 while the node is busy, else 400, an unknown verb included), then the
  // checks of each verb.
  app.put("/:ident/states/provision", async (c) => {
    const body = await readBody(c, ProvisionTargetSchema);
    const minor = c.get("minor");
    const node = ctx.store.nodes.find(c.req.param("ident"));
    if (!node) throw conductorError("NODE_NOT_FOUND", { node: c.req.param("ident") });
    checkVerb(body.target, minor);
    if (!verbTarget(body.target, node.provision_state)) {
      if (ctx.locks.holder(node.uuid)) throw conductorError("NODE_LOCKED", { node: node.uuid, host: ctx.hostname });
      throw conductorError("INVALID_STATE_REQUESTED", { action: body.target, node: node.uuid, state: node.provision_state });
    }
    if (node.attrs.retired && body.target === "provide") throw conductorError("NODE_RETIRED", { op: "providing", node: node.uuid });
    if (body.target === "abort") checkAbortVersion(ctx, c.req.param("ident"), minor);
    checkVerb(body.target, minor, true);
    requestProvision(ctx, c.req.param("ident"), body);
    c.header("Location", `${baseUrl(c)}/v1/nodes/${c.req.param("ident")}/states`);
    return c.body(null, 202);
  });

  return app;
}
