/**
 * @module conductor/api/resources/portgroups
 * `/v1/portgroups` (API 1.23+): a node's bonded NICs. `mode` and `properties` exist from
 * 1.26; `/v1/portgroups/{id}/ports` and `/v1/nodes/{id}/portgroups` from 1.24. A portgroup
 * with member ports cannot be deleted; its MAC is unique among portgroups (a member port may
 * carry the same MAC, as in Ironic).
 */
import { randomUUID } from "node:crypto";
import { Hono, type Context } from "hono";
import { z } from "zod";
import { MacAddressSchema } from "../../../protocol/ironic-api.ts";
import { booleanField, dictField, isLogicalName, shown, STANDALONE, textField, uuidField } from "../../../protocol/ironic-fields.ts";
import { conductorError } from "../../errors.ts";
import type { ConductorContext } from "../../orchestration/context.ts";
import { isoTime } from "../../store/node-record.ts";
import type { PortgroupRecord } from "../../store/resource-stores.ts";
import { collectionBody, findIdent, gate, links, readList, readPatch, readShowFields, select, type ListSpec, type View } from "../collection.ts";
import { baseUrl, type ApiEnv } from "../env.ts";
import { readBody, readQuery } from "../validate.ts";
import { parentNode, referencedNode } from "./node-ref.ts";

export const PORTGROUPS_MINOR = 23;
const SUBRESOURCE_MINOR = 24;
const MODE_MINOR = 26;
/** Ironic's `[DEFAULT] default_portgroup_mode`. */
const DEFAULT_MODE = "active-backup";

const nameField = z.unknown().superRefine((v, ctx) => {
  if (typeof v !== "string" || !isLogicalName(v)) ctx.addIssue({ code: "custom", message: `Cannot create portgroup with invalid name '${shown(v)}'`, params: STANDALONE });
}) as unknown as z.ZodType<string>;

const PortgroupFields = {
  address: MacAddressSchema.nullable(),
  extra: dictField("extra").nullable(),
  mode: textField("mode").nullable(),
  name: nameField.nullable(),
  node_uuid: textField("node_uuid"),
  properties: dictField("properties").nullable(),
  standalone_ports_supported: booleanField("standalone_ports_supported").nullable(),
};
const PortgroupCreateSchema = z.object({ ...z.object(PortgroupFields).partial().shape, node_uuid: uuidField("node_uuid"), uuid: uuidField("uuid").nullable().optional() }).strict();
const PortgroupPatchedSchema = z.object(PortgroupFields).loose();
const PATCH_ALLOWED = ["address", "extra", "mode", "name", "node_uuid", "properties", "standalone_ports_supported"];

const LIST: ListSpec = {
  sortKeys: ["uuid", "name", "address", "node_uuid", "mode", "standalone_ports_supported", "created_at", "updated_at"],
  unsortable: ["extra", "internal_info", "properties"],
  defaultFields: ["uuid", "address", "name"],
};

/** A portgroup as Ironic shows it at `minor`. */
export function portgroupView(pg: PortgroupRecord, base: string, minor: number): View {
  const v: View = {
    uuid: pg.uuid,
    created_at: isoTime(pg.created_at),
    updated_at: isoTime(pg.updated_at),
    address: pg.address,
    extra: pg.extra ?? {},
    internal_info: pg.internal_info ?? {},
    mode: pg.mode,
    name: pg.name,
    properties: pg.properties ?? {},
    standalone_ports_supported: pg.standalone_ports_supported,
    node_uuid: pg.node_uuid,
    links: links(base, `portgroups/${pg.uuid}`),
    ports: links(base, `portgroups/${pg.uuid}/ports`),
  };
  // Ironic shows mode and properties at every version; only asking for them needs 1.26.
  void minor;
  return v;
}

const FilterSchema = z.object({ node: z.string().max(255).optional(), address: MacAddressSchema.optional() }).loose();

function modeFieldsAllowed(c: Context<ApiEnv>, fields: readonly string[] | undefined) {
  if (c.get("minor") < MODE_MINOR && fields?.some((f) => f === "mode" || f === "properties")) throw conductorError("NOT_ACCEPTABLE");
}

function listPortgroups(ctx: ConductorContext, c: Context<ApiEnv>, detail: boolean, forNode?: string) {
  gate(c, PORTGROUPS_MINOR);
  const p = readList(c, LIST, detail);
  modeFieldsAllowed(c, p.fields);
  modeFieldsAllowed(c, [p.sort_key]);
  const f = readQuery(c, FilterSchema);
  const nodeIdent = forNode ?? f.node;
  const where: Record<string, string> = {};
  if (nodeIdent) where.node_uuid = (forNode ? parentNode(ctx, nodeIdent) : referencedNode(ctx, nodeIdent)).uuid;
  if (f.address && !nodeIdent) where.address = f.address;
  const rows = ctx.store.portgroups.list({ where, limit: p.limit, marker: p.marker, sort_key: p.sort_key, sort_dir: p.sort_dir });
  const base = baseUrl(c);
  return c.json(collectionBody(c, "portgroups", rows.map((r) => select(portgroupView(r, base, c.get("minor")), p.fields)), p, detail ? "portgroups/detail" : "portgroups", rows.at(-1)?.uuid));
}

/** The portgroup a port names (`portgroup_uuid`), which must be on the port's node. */
export function portgroupForPort(ctx: ConductorContext, ident: string, nodeUuid: string): PortgroupRecord {
  const pg = ctx.store.portgroups.get(ident) ?? ctx.store.portgroups.by("name", ident);
  if (!pg) throw conductorError("INVALID_PARAMETER", { reason: `Portgroup ${ident} could not be found.` });
  if (pg.node_uuid !== nodeUuid) throw conductorError("INVALID_PARAMETER", { reason: "Port can not be added to a portgroup belonging to a different node." });
  return pg;
}

/**
 * @example app.route("/v1/portgroups", createPortgroupRoutes(ctx));
 */
export function createPortgroupRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const table = ctx.store.portgroups;
  const find = (ident: string) => findIdent(table, ident, "portgroup", true, () => conductorError("PORTGROUP_NOT_FOUND", { portgroup: ident }));

  app.get("/", (c) => listPortgroups(ctx, c, false));
  app.get("/detail", (c) => listPortgroups(ctx, c, true));
  app.get("/:id", (c) => {
    gate(c, PORTGROUPS_MINOR);
    const fields = readShowFields(c);
    modeFieldsAllowed(c, fields);
    return c.json(select(portgroupView(find(c.req.param("id")), baseUrl(c), c.get("minor")), fields));
  });
  app.post("/", async (c) => {
    gate(c, PORTGROUPS_MINOR);
    const body = await readBody(c, PortgroupCreateSchema);
    const node = referencedNode(ctx, body.node_uuid);
    if (c.get("minor") < MODE_MINOR && (body.mode || body.properties)) throw conductorError("NOT_ACCEPTABLE");
    const pg = table.insert({
      uuid: body.uuid ?? randomUUID(),
      name: body.name ?? null,
      address: body.address ?? null,
      node_uuid: node.uuid,
      mode: body.mode ?? DEFAULT_MODE,
      properties: body.properties ?? {},
      standalone_ports_supported: body.standalone_ports_supported ?? true,
      extra: body.extra ?? {},
      internal_info: {},
      created_at: Date.now(),
      updated_at: null,
    });
    const base = baseUrl(c);
    c.header("Location", `${base}/v1/portgroups/${pg.uuid}`);
    return c.json(portgroupView(pg, base, c.get("minor")), 201);
  });
  app.patch("/:id", async (c) => {
    gate(c, PORTGROUPS_MINOR);
    const pg = find(c.req.param("id"));
    const doc = { address: pg.address, extra: pg.extra, mode: pg.mode, name: pg.name, node_uuid: pg.node_uuid, properties: pg.properties, standalone_ports_supported: pg.standalone_ports_supported };
    const out = await readPatch(c, doc, PATCH_ALLOWED, PortgroupPatchedSchema);
    if (out.mode === null) throw conductorError("INVALID_PARAMETER", { reason: "'mode' is a mandatory attribute and can not be removed" });
    const node = referencedNode(ctx, out.node_uuid);
    if (node.uuid !== pg.node_uuid && ctx.store.db.query("SELECT 1 FROM ports WHERE portgroup_uuid = ?").get(pg.uuid)) {
      throw conductorError("PORTGROUP_NOT_EMPTY", { portgroup: pg.uuid });
    }
    const updated = table.update(pg.uuid, {
      address: out.address ?? null,
      extra: out.extra ?? {},
      mode: out.mode,
      name: out.name ?? null,
      node_uuid: node.uuid,
      properties: out.properties ?? {},
      standalone_ports_supported: out.standalone_ports_supported ?? true,
    });
    return c.json(portgroupView(updated, baseUrl(c), c.get("minor")));
  });
  app.delete("/:id", (c) => {
    gate(c, PORTGROUPS_MINOR);
    const pg = find(c.req.param("id"));
    if (ctx.store.db.query("SELECT 1 FROM ports WHERE portgroup_uuid = ?").get(pg.uuid)) throw conductorError("PORTGROUP_NOT_EMPTY", { portgroup: pg.uuid });
    table.delete(pg.uuid);
    return c.body(null, 204);
  });
  return app;
}

/** `GET /v1/nodes/{id}/portgroups[/detail]` (1.24+). */
export function createNodePortgroupRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const sub = (detail: boolean) => (c: Context<ApiEnv>) => {
    gate(c, SUBRESOURCE_MINOR);
    return listPortgroups(ctx, c, detail, c.req.param("ident")!);
  };
  app.get("/:ident/portgroups", sub(false));
  app.get("/:ident/portgroups/detail", sub(true));
  return app;
}

export { SUBRESOURCE_MINOR as PORTGROUP_SUBRESOURCE_MINOR };
