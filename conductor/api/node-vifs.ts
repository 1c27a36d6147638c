/**
 * @module conductor/api/node-vifs
 * `/v1/nodes/{id}/vifs` (API 1.28): attach a tenant VIF (`POST {"id": ...}`), list, detach.
 * As Ironic's flat network interface: each VIF takes one free port of the node (PXE-enabled
 * ports first, or the `port_uuid` asked for), a VIF already attached is a 409, no free port a
 * 400. Teeth has no network service: the attachment is recorded, nothing is plugged.
 */
import { Hono } from "hono";
import { z } from "zod";
import { conductorError } from "../errors.ts";
import type { ConductorContext } from "../orchestration/context.ts";
import type { ApiEnv } from "./env.ts";
import { requireUnlocked, subresourceNode } from "./subresource.ts";
import { describeZodError, parseJson, readText } from "./validate.ts";

export const VIFS_MINOR = 28;
/** `port_uuid` in the attach body came with 1.67. */
const VIF_PORT_MINOR = 67;

const VifSchema = z
  .object({ id: z.string().min(1).max(255), port_uuid: z.string().max(64).optional(), portgroup_uuid: z.string().max(64).optional() })
  .loose();

/**
 * @example
 * app.route("/v1/nodes", createNodeVifRoutes(ctx));
 */
export function createNodeVifRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.get("/:ident/vifs", (c) => {
    const node = subresourceNode(ctx, c, VIFS_MINOR);
    return c.json({ vifs: ctx.store.vifs.list(node.uuid).map((v) => ({ id: v.vif_id })) });
  });

  app.post("/:ident/vifs", async (c) => {
    const node = subresourceNode(ctx, c, VIFS_MINOR);
    const raw = parseJson(await readText(c));
    const parsed = VifSchema.safeParse(raw);
    if (!parsed.success) {
      const noId = typeof raw === "object" && raw !== null && !Array.isArray(raw) && !("id" in raw);
      throw conductorError("INVALID_PARAMETER", { reason: noId ? "Schema error for vif: 'id' is a required property" : `Schema error for vif: ${describeZodError(parsed.error)}` });
    }
    const vif = parsed.data;
    if (c.get("minor") >= VIF_PORT_MINOR && vif.port_uuid && vif.portgroup_uuid) {
      throw conductorError("INVALID_PARAMETER", { reason: "Cannot specify both port_uuid and portgroup_uuid" });
    }
    requireUnlocked(ctx, node);
    const attached = ctx.store.vifs.list(node.uuid).find((v) => v.vif_id === vif.id);
    if (attached) throw conductorError("VIF_ALREADY_ATTACHED", { vif: vif.id, port: attached.port_uuid ?? "" });
    const ports = ctx.store.ports.list({ node_uuid: node.uuid }).filter((p) => !ctx.store.vifs.forPort(p.uuid));
    const wanted = c.get("minor") >= VIF_PORT_MINOR && vif.port_uuid ? ports.filter((p) => p.uuid === vif.port_uuid) : ports;
    const port = [...wanted].sort((a, b) => Number(b.pxe_enabled) - Number(a.pxe_enabled))[0];
    if (!port) throw conductorError("NO_FREE_PORTS", { vif: vif.id });
    ctx.store.vifs.attach({ node_uuid: node.uuid, vif_id: vif.id, port_uuid: port.uuid });
    c.get("log").info({ node: node.uuid, vif: vif.id, port: port.uuid }, "VIF attached");
    return c.body(null, 204);
  });

  app.delete("/:ident/vifs/:vif", (c) => {
    const node = subresourceNode(ctx, c, VIFS_MINOR);
    const vif = c.req.param("vif");
    requireUnlocked(ctx, node);
    if (!ctx.store.vifs.detach(node.uuid, vif)) throw conductorError("VIF_NOT_ATTACHED", { vif: vif.slice(0, 255), node: node.uuid });
    c.get("log").info({ node: node.uuid, vif }, "VIF detached");
    return c.body(null, 204);
  });

  return app;
}
