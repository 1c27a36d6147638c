/**
 * @module conductor/api/node-console
 * `/v1/nodes/{id}/states/console`: every Teeth driver has `no-console`, so reading it says
 * disabled with no connection info, and enabling or disabling it is Ironic's 400 "does not
 * support console".
 */
import { Hono } from "hono";
import { z } from "zod";
import { conductorError } from "../errors.ts";
import type { ConductorContext } from "../orchestration/context.ts";
import type { ApiEnv } from "./env.ts";
import { subresourceNode } from "./subresource.ts";
import { parseJson, readText } from "./validate.ts";

const ConsoleSchema = z.object({ enabled: z.union([z.boolean(), z.enum(["true", "false", "True", "False"])]) }).strict();

/**
 * @example
 * app.route("/v1/nodes", createNodeConsoleRoutes(ctx));
 */
export function createNodeConsoleRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get("/:ident/states/console", (c) => {
    subresourceNode(ctx, c);
    return c.json({ console_enabled: false, console_info: null });
  });
  app.put("/:ident/states/console", async (c) => {
    const node = subresourceNode(ctx, c);
    const text = await readText(c);
    const raw = text.trim() ? parseJson(text) : {};
    if (typeof raw === "object" && raw !== null && !("enabled" in raw)) throw conductorError("MISSING_PARAMETER", { name: "enabled" });
    if (!ConsoleSchema.safeParse(raw).success) throw conductorError("INVALID_BODY", { reason: "expected {\"enabled\": true|false}" });
    throw conductorError("UNSUPPORTED_DRIVER_EXTENSION", { driver: node.driver, extension: "console" });
  });
  return app;
}
