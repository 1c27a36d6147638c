/**
 * @module conductor/api/vendor-passthru
 * `/v1/nodes/{id}/vendor_passthru[/methods]` and `/v1/drivers/{name}/vendor_passthru[/methods]`:
 * every Teeth driver's vendor interface is `no-vendor`, so it offers no methods (`{}`) and any
 * call is Ironic's 400 "No handler for method ...". (Metal3 calls `create_subscription` here
 * only for Redfish event subscriptions, which Teeth does not offer.)
 */
import { Hono, type Context } from "hono";
import { conductorError } from "../errors.ts";
import type { ConductorContext } from "../orchestration/context.ts";
import type { ApiEnv } from "./env.ts";
import { subresourceNode } from "./subresource.ts";

/** The method comes as `?method=` or as the last path segment (`.../vendor_passthru/NAME`), as in Ironic. */
function refuse(c: Context<ApiEnv>): never {
  const method = c.req.param("method") ?? c.req.query("method");
  if (!method) throw conductorError("MISSING_PARAMETER", { name: "method" });
  throw conductorError("VENDOR_METHOD_UNSUPPORTED", { method: method.slice(0, 255) });
}

const VERBS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/**
 * @example
 * app.route("/v1/nodes", createNodeVendorRoutes(ctx));
 */
export function createNodeVendorRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get("/:ident/vendor_passthru/methods", (c) => (subresourceNode(ctx, c), c.json({})));
  app.on(VERBS, "/:ident/vendor_passthru", (c) => (subresourceNode(ctx, c), refuse(c)));
  app.on(VERBS, "/:ident/vendor_passthru/:method", (c) => (subresourceNode(ctx, c), refuse(c)));
  return app;
}

/**
 * @example
 * app.route("/v1/drivers", createDriverVendorRoutes(ctx));
 */
export function createDriverVendorRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const driver = (c: Context<ApiEnv>) => {
    const name = c.req.param("name") ?? "";
    if (!ctx.drivers.has(name)) throw conductorError("DRIVER_UNKNOWN", { driver: name.slice(0, 255) });
  };
  app.get("/:name/vendor_passthru/methods", (c) => (driver(c), c.json({})));
  app.on(VERBS, "/:name/vendor_passthru", (c) => (driver(c), refuse(c)));
  app.on(VERBS, "/:name/vendor_passthru/:method", (c) => (driver(c), refuse(c)));
  return app;
}
