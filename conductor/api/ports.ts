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
import { PORT_FIELDS, PORT_LIST_FIELDS, portView } from "./port-view.ts";
import { PORTGROUP_SUBRESOURCE_MINOR, portgroupForPort } from "./resources/portgroups.ts";
import { gate } from "./collection.ts";
import { checkDetailQuery, checkFields, PORT_FIELD_MINOR, rejectNewerInBody, rejectNewerInPatch } from "./versions.ts";
import { LimitSchema, describeZodError, readBody, readQuery } from "./validate.ts";


const PortListQuerySchema = z
  .object({
    node: z.string().max(255).optional(),
    node_uuid: z.string().max(255).optional(),
    portgroup: z.string().max(255).optional(),
    address: MacAddressSchema.optional(),
    fields: z
      .string()
      .max(1024)
      .transform((s) => s.split(",").map((f) => f.trim()).filter(Boolean))
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
  portgroup_uuid: PortFieldsShape.portgroup_uuid,
});

const WRITABLE = new Set(["address", "node_uuid", "pxe_enabled", "extra", "local_link_connection", "physical_network", "name", "portgroup_uuid"]);

function nodeUuid(ctx: ConductorContext, ident: string): string {
  const n = ctx.store.nodes.find(ident);
  if (!n) throw conductorError("NODE_NOT_FOUND", { node: ident });
  return n.uuid;
}

/** A portgroup by UUID or name: 404 when it is the path's parent, 400 when a query names it. */
function portgroupUuid(ctx: ConductorContext, ident: string, parent: boolean): string {
  const pg = ctx.store.portgroups.get(ident) ?? ctx.store.portgroups.by("name", ident);
  if (!pg) throw conductorError(parent ? "PORTGROUP_NOT_FOUND" : "INVALID_PARAMETER", parent ? { portgroup: ident } : { reason: `Portgroup ${ident} could not be found.` });
  return pg.uuid;
}

const ShowQuerySchema = z.object({ fields: PortListQuerySchema.shape.fields }).loose();

/** Lists ports: all, a node's (`node`), a portgroup's (`portgroup`), short or `detail`. */
function listPorts(ctx: ConductorContext, c: import("hono").Context<ApiEnv>, scope: { node?: string; portgroup?: string; detail?: boolean } = {}) {
  const forNode = scope.node;
  const forPortgroup = scope.portgroup;
  const detail = scope.detail ?? false;
  const minor = c.get("minor");
  checkDetailQuery(c.req.query("detail"), minor);
  const q = readQuery(c, PortListQuerySchema);
  checkFields(q.fields, PORT_FIELDS, PORT_FIELD_MINOR, minor);
  if (q.fields && (q.detail || detail)) throw conductorError("INVALID_PARAMETER", { reason: "Can not specify ?detail=True and fields in the same request." });
  const ident = forNode ?? q.node ?? q.node_uuid;
  const limit = !q.limit || q.limit > 1000 ? 1000 : q.limit;
  const pg = forPortgroup ?? q.portgroup;
  const portgroup_uuid = pg ? portgroupUuid(ctx, pg, forPortgroup !== undefined) : undefined;
  const ports = ctx.store.ports.list({ node_uuid: ident ? nodeUuid(ctx, ident) : undefined, address: q.address, portgroup_uuid, limit, marker: q.marker, sort_key: q.sort_key, sort_dir: q.sort_dir });
  const fields = q.fields ?? (q.detail || detail ? undefined : PORT_LIST_FIELDS);
  const base = baseUrl(c);
  return c.json(page(c, "ports", ports.map((p) => portView(p, base, fields, minor)), limit, ports.at(-1)?.uuid));
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
  app.get("/detail", (c) => listPorts(ctx, c, { detail: true }));
  app.post("/", async (c) => {
    const body = await readBody(c, PortCreateSchema);
    rejectNewerInBody(body as Record<string, unknown>, PORT_FIELD_MINOR, c.get("minor"));
    const now = Date.now();
    const owner = nodeUuid(ctx, body.node_uuid);
    const portgroup = body.portgroup_uuid ? portgroupForPort(ctx, body.portgroup_uuid, owner) : null;
    if (portgroup && body.pxe_enabled !== false && !portgroup.standalone_ports_supported) {
      throw conductorError("INVALID_STATE", { reason: `Port group ${portgroup.uuid} doesn't support standalone ports. This port cannot be created as a member of that portgroup as the port's 'pxe_enabled' field was set to True.` });
    }
    const port: PortRecord = {
      portgroup_uuid: portgroup?.uuid ?? null,
      uuid: body.uuid ?? randomUUID(),
      address: body.address,
      node_uuid: owner,
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
    return c.json(portView(port, base, undefined, c.get("minor")), 201);
  });
  app.get("/:uuid", (c) => {
    const q = readQuery(c, ShowQuerySchema);
    checkFields(q.fields, PORT_FIELDS, PORT_FIELD_MINOR, c.get("minor"));
    return c.json(portView(get(c.req.param("uuid")), baseUrl(c), q.fields, c.get("minor")));
  });
  app.patch("/:uuid", async (c) => {
    const patch = await readBody(c, JsonPatchSchema);
    rejectNewerInPatch(patch, PORT_FIELD_MINOR, c.get("minor"));
    const port = get(c.req.param("uuid"));
    const doc = { portgroup_uuid: port.portgroup_uuid ?? null, address: port.address, node_uuid: port.node_uuid, pxe_enabled: port.pxe_enabled, extra: port.extra, local_link_connection: port.local_link_connection, physical_network: port.physical_network, name: port.name };
    const checked = PortPatchedSchema.safeParse(applyPatch(doc, patch, WRITABLE));
    if (!checked.success) throw conductorError("INVALID_PARAMETER", { reason: describeZodError(checked.error) });
    const out = checked.data;
    if (!withinJsonDepth(JSON.stringify(out), MAX_JSON_DEPTH)) {
      throw conductorError("INVALID_PARAMETER", { reason: `The patched port nests deeper than ${MAX_JSON_DEPTH} levels.` });
    }
    const owner = nodeUuid(ctx, out.node_uuid);
    const updated = ctx.store.ports.update(port.uuid, {
      portgroup_uuid: out.portgroup_uuid ? portgroupForPort(ctx, out.portgroup_uuid, owner).uuid : null,
      address: out.address,
      node_uuid: owner,
      pxe_enabled: out.pxe_enabled,
      extra: out.extra ?? {},
      local_link_connection: out.local_link_connection ?? {},
      physical_network: out.physical_network,
      name: out.name,
    });
    return c.json(portView(updated, baseUrl(c), undefined, c.get("minor")));
  });
  app.delete("/:uuid", (c) => {
    const port = get(c.req.param("uuid"));
    ctx.store.ports.delete(port.uuid);
    return c.body(null, 204);
  });
  return app;
}

/** `GET /v1/portgroups/{id}/ports[/detail]` (1.24+). */
export function createPortgroupPortRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const sub = (c: import("hono").Context<ApiEnv>) => {
    gate(c, PORTGROUP_SUBRESOURCE_MINOR);
    return listPorts(ctx, c, { portgroup: c.req.param("id")! });
  };
  app.get("/:id/ports", sub);
  app.get("/:id/ports/detail", sub);
  return app;
}

/** `GET /v1/nodes/{id}/ports`. */
export function createNodePortRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get("/:ident/ports", (c) => listPorts(ctx, c, { node: c.req.param("ident") }));
  app.get("/:ident/ports/detail", (c) => listPorts(ctx, c, { node: c.req.param("ident"), detail: true }));
  return app;
}
