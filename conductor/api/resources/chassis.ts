/**
 * @module conductor/api/resources/chassis
 * `/v1/chassis`: a group of nodes (description, extra) and `/v1/chassis/{uuid}/nodes`.
 * Chassis are addressed by UUID only; one that still holds nodes cannot be deleted.
 */
import { randomUUID } from "node:crypto";
import { Hono, type Context } from "hono";
import { z } from "zod";
import { dictField, textField, uuidField } from "../../../protocol/ironic-fields.ts";
import { conductorError } from "../../errors.ts";
import type { ConductorContext } from "../../orchestration/context.ts";
import { isoTime as isoOrNull } from "../../store/node-record.ts";
import type { ChassisRecord } from "../../store/resource-stores.ts";
import { collectionBody, findIdent, links, readList, readPatch, readShowFields, select, type ListSpec, type View } from "../collection.ts";
import { baseUrl, page, type ApiEnv } from "../env.ts";
import { LIST_FIELDS, nodeView } from "../node-view.ts";
import { readBody } from "../validate.ts";

const ChassisFields = { description: textField("description", 255).nullable(), extra: dictField("extra").nullable() };
const ChassisCreateSchema = z.object({ ...ChassisFields, uuid: uuidField("uuid").nullable() }).partial().strict();
const ChassisPatchedSchema = z.object(ChassisFields).loose();

const LIST: ListSpec = { sortKeys: ["uuid", "description", "created_at", "updated_at"], unsortable: ["extra"], defaultFields: ["uuid", "description"] };

/** A chassis as Ironic shows it (its `nodes` link list is nested one level deeper, as Ironic's). */
export function chassisView(ch: ChassisRecord, base: string): View {
  return {
    uuid: ch.uuid,
    created_at: isoOrNull(ch.created_at),
    updated_at: isoOrNull(ch.updated_at),
    description: ch.description,
    extra: ch.extra ?? {},
    links: links(base, `chassis/${ch.uuid}`),
    nodes: [links(base, `chassis/${ch.uuid}/nodes`)],
  };
}

/** The chassis a node names must exist (Ironic: 400 "Chassis ... could not be found."). */
export function checkChassisRef(ctx: ConductorContext, uuid: unknown): void {
  if (typeof uuid !== "string") return;
  if (!ctx.store.chassis.get(uuid)) throw conductorError("CHASSIS_REFERENCE_NOT_FOUND", { chassis: uuid });
}

/**
 * @example app.route("/v1/chassis", createChassisRoutes(ctx));
 */
export function createChassisRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const table = ctx.store.chassis;
  const find = (ident: string) => findIdent(table, ident, "chassis_uuid", false, () => conductorError("CHASSIS_NOT_FOUND", { chassis: ident }));

  const list = (detail: boolean) => (c: Context<ApiEnv>) => {
    const p = readList(c, LIST, detail);
    const rows = table.list({ limit: p.limit, marker: p.marker, sort_key: p.sort_key, sort_dir: p.sort_dir });
    const base = baseUrl(c);
    return c.json(collectionBody(c, "chassis", rows.map((r) => select(chassisView(r, base), p.fields)), p, detail ? "chassis/detail" : "chassis", rows.at(-1)?.uuid));
  };
  app.get("/", list(false));
  app.get("/detail", list(true));
  app.get("/:id", (c) => c.json(select(chassisView(find(c.req.param("id")), baseUrl(c)), readShowFields(c))));
  app.post("/", async (c) => {
    const body = await readBody(c, ChassisCreateSchema);
    const ch = table.insert({ uuid: body.uuid ?? randomUUID(), description: body.description ?? null, extra: body.extra ?? {}, created_at: Date.now(), updated_at: null });
    const base = baseUrl(c);
    c.header("Location", `${base}/v1/chassis/${ch.uuid}`);
    return c.json(chassisView(ch, base), 201);
  });
  app.patch("/:id", async (c) => {
    const ch = find(c.req.param("id"));
    const out = await readPatch(c, { description: ch.description, extra: ch.extra }, ["uuid", "extra", "description"], ChassisPatchedSchema);
    if (out.uuid !== undefined && out.uuid !== ch.uuid) throw conductorError("INVALID_PARAMETER", { reason: "'/uuid' is an internal attribute and can not be updated" });
    return c.json(chassisView(table.update(ch.uuid, { description: out.description ?? null, extra: out.extra ?? {} }), baseUrl(c)));
  });
  app.delete("/:id", (c) => {
    const ch = find(c.req.param("id"));
    if (ctx.store.nodes.list({ chassis_uuid: ch.uuid, limit: 1 }).length) throw conductorError("CHASSIS_NOT_EMPTY", { chassis: ch.uuid });
    table.delete(ch.uuid);
    return c.body(null, 204);
  });

  const nodes = (detail: boolean) => (c: Context<ApiEnv>) => {
    const ch = find(c.req.param("id")!);
    const p = readList(c, { sortKeys: ["uuid", "name", "provision_state", "created_at", "updated_at"], unsortable: [], defaultFields: LIST_FIELDS }, detail);
    const rows = ctx.store.nodes.list({ chassis_uuid: ch.uuid, parent_node: null, limit: p.limit, marker: p.marker, sort_key: p.sort_key as "uuid", sort_dir: p.sort_dir });
    const base = baseUrl(c);
    return c.json(page(c, "nodes", rows.map((n) => nodeView(n, base, p.fields, ctx.hostname)), p.limit, rows.at(-1)?.uuid));
  };
  app.get("/:id/nodes", nodes(false));
  app.get("/:id/nodes/detail", nodes(true));
  return app;
}
