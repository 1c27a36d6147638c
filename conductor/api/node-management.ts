/**
 * @module conductor/api/node-management
 * `/v1/nodes/{id}/management/boot_device` (PUT, GET, GET .../supported) and
 * `/v1/nodes/{id}/validate`, with Ironic's bodies and status codes.
 */
import { Hono } from "hono";
import { BootDeviceSchema } from "../../protocol/ironic-api.ts";
import { conductorError } from "../errors.ts";
import type { ConductorContext } from "../orchestration/context.ts";
import { getBootDevice, getSupportedBootDevices, setBootDevice } from "../orchestration/management.ts";
import { validateInterfaces } from "../orchestration/validate-interfaces.ts";
import type { ApiEnv } from "./env.ts";
import { readBody } from "./validate.ts";

/**
 * @example
 * app.route("/v1/nodes", createNodeManagementRoutes(ctx));
 */
export function createNodeManagementRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.put("/:ident/management/boot_device", async (c) => {
    const body = await readBody(c, BootDeviceSchema);
    await setBootDevice(ctx, c.req.param("ident"), body.boot_device, body.persistent ?? false);
    return c.body(null, 204);
  });
  app.get("/:ident/management/boot_device", async (c) => c.json(await getBootDevice(ctx, c.req.param("ident"))));
  app.get("/:ident/management/boot_device/supported", async (c) =>
    c.json({ supported_boot_devices: await getSupportedBootDevices(ctx, c.req.param("ident")) }),
  );

  app.get("/:ident/validate", (c) => {
    const node = ctx.store.nodes.find(c.req.param("ident"));
    if (!node) throw conductorError("NODE_NOT_FOUND", { node: c.req.param("ident") });
    return c.json(validateInterfaces(ctx, node));
  });

  return app;
}
