/**
 * @module conductor/api/ports
 * `/v1/ports` and `/v1/nodes/{id}/ports`: a node's MAC addresses (used by lookup).
 */
import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { z } from "zod";
import { MAX_JSON_DEPTH, withinJsonDepth } from "../../common/json-depth.ts";
import { JsonPatchSchema, MacAddressSchema, PortCreateSchema, PortFieldsShape } from "../../protocol/ironic-api.ts";
import { queryBoolean } from "../../protocol/ironic-fields.ts";
import { conductorError } from "../errors.ts";
import type { ConductorContext } from "../orchestration/context.ts";
import { PORT_SORT_KEYS, type PortRecord } from "../store/port-store.ts";
import { baseUrl, type ApiEnv, page } from "./env.ts";
import { applyPatch } from "./json-patch.ts";
import { PORT_LIST_FIELDS, portView } from "./port-view.ts";
import { LimitSchema, describeZodError, readBody, readQuery } from "./validate.ts";

const PORT_FIELDS = new Set(["uuid", "address", "node_uuid", "pxe_enabled", "extra", "local_link_connection", "physical_network", "internal_info", "is_smartnic", "portgroup_uuid", "name", "created_at", "updated_at", "links"]);

const PortListQuerySchema = z
  .object({
    node: z.string().max(255).optional(),
    node_uuid: z.string().max(255).optional(),
    address: MacAddressSchema.optional(),
    fields: z
      .string()
      .max(1024)
      .transform((s) => s.split(",").map((f) => f.trim()).filter(Boolean))
      .refine((fs) => fs.every((f) => PORT_FIELDS.has(f)), { message: "unknown field in 'fields'" })
      .optional(),
    detail: queryBoolean.optional(),
    limit: LimitSchema.optional(),
    marker: z.string().max(64).optional(),
    sort_key: z.enum(PORT_SORT_KEYS).optional(),
    sort_dir: z.enum(["asc", "desc"]).optional(),
  })
  .loose();

/** A port's writable fields after a JSON patch, each valid (all of them are present). */
const PortPatchedSchema = z.object({
  address: PortFieldsShape.address,
  node_uuid: PortFieldsShape.node_uuid,
  pxe_enabled: PortFieldsShape.pxe_enabled,
  extra: PortFieldsShape.extra,
  local_link_connection: PortFieldsShape.local_link_connection,
  physical_network: PortFieldsShape.physical_network,
  name: PortFieldsShape.name,
});

const WRITABLE = new Set(["address", "node_uuid", "pxe_enabled", "extra", "local_link_connection", "physical_network", "name"]);

function nodeUuid(ctx: ConductorContext, ident: string): string {
  const n = ctx.store.nodes.find(ident);
  if (!n) throw conductorError("NODE_NOT_FOUND", { node: ident });
  return n.uuid;
}

function listPorts(ctx: ConductorContext, c: import("hono").Context<ApiEnv>, forNode?: string) {
  const q = readQuery(c, PortListQuerySchema);
  const ident = forNode ?? q.node ?? q.node_uuid;
  const limit = !q.limit || q.limit > 1000 ? 1000 : q.limit;
  const ports = ctx.store.ports.list({ node_uuid: ident ? nodeUuid(ctx, ident) : undefined, address: q.address, limit, marker: q.marker, sort_key: q.sort_key, sort_dir: q.sort_dir });
  const fields = q.fields ?? (q.detail ? undefined : PORT_LIST_FIELDS);
  const base = baseUrl(c);
  return c.json(page(c, "ports", ports.map((p) => portView(p, base, fields)), limit, ports.at(-1)?.uuid));
}

/**
 * @example
 * app.route("/v1/ports", createPortRoutes(ctx));
 */
export function createPortRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const get = (uuid: string): PortRecord => {
    const p = ctx.store.ports.get(uuid) ?? ctx.store.ports.byAddress(uuid.toLowerCase());
    if (!p) throw conductorError("PORT_NOT_FOUND", { port: uuid });
    return p;
  };

  app.get("/", (c) => listPorts(ctx, c));
  app.get("/detail", (c) => {
    c.req.query();
    return listPorts(ctx, c);
  });
  app.post("/", async (c) => {
    const body = await readBody(c, PortCreateSchema);
    const now = Date.now();
    const port: PortRecord = {
      uuid: body.uuid ?? randomUUID(),
      address: body.address,
      node_uuid: nodeUuid(ctx, body.node_uuid),
      pxe_enabled: body.pxe_enabled ?? true,
      extra: body.extra ?? {},
      local_link_connection: body.local_link_connection ?? {},
      physical_network: body.physical_network ?? null,
      name: body.name ?? null,
      created_at: now,
      updated_at: null,
    };
    ctx.store.ports.insert(port);
    const base = baseUrl(c);
    c.header("Location", `${base}/v1/ports/${port.uuid}`);
    return c.json(portView(port, base), 201);
  });
  app.get("/:uuid", (c) => c.json(portView(get(c.req.param("uuid")), baseUrl(c))));
  app.patch("/:uuid", async (c) => {
    const patch = await readBody(c, JsonPatchSchema);
    const port = get(c.req.param("uuid"));
    const doc = { address: port.address, node_uuid: port.node_uuid, pxe_enabled: port.pxe_enabled, extra: port.extra, local_link_connection: port.local_link_connection, physical_network: port.physical_network, name: port.name };
    const checked = PortPatchedSchema.safeParse(applyPatch(doc, patch, WRITABLE));
    if (!checked.success) throw conductorError("INVALID_PARAMETER", { reason: describeZodError(checked.error) });
    const out = checked.data;
    if (!withinJsonDepth(JSON.stringify(out), MAX_JSON_DEPTH)) {
      throw conductorError("INVALID_PARAMETER", { reason: `The patched port nests deeper than ${MAX_JSON_DEPTH} levels.` });
    }
    const updated = ctx.store.ports.update(port.uuid, {
      address: out.address,
      node_uuid: nodeUuid(ctx, out.node_uuid),
      pxe_enabled: out.pxe_enabled,
      extra: out.extra ?? {},
      local_link_connection: out.local_link_connection ?? {},
      physical_network: out.physical_network,
      name: out.name,
    });
    return c.json(portView(updated, baseUrl(c)));
  });
  app.delete("/:uuid", (c) => {
    const port = get(c.req.param("uuid"));
    ctx.store.ports.delete(port.uuid);
    return c.body(null, 204);
  });
  return app;
}

/** `GET /v1/nodes/{id}/ports`. */
export function createNodePortRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get("/:ident/ports", (c) => listPorts(ctx, c, c.req.param("ident")));
  app.get("/:ident/ports/detail", (c) => listPorts(ctx, c, c.req.param("ident")));
  return app;
}
