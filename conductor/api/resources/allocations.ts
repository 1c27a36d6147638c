/**
 * @module conductor/api/resources/allocations
 * `/v1/allocations` (API 1.52+) and `/v1/nodes/{id}/allocation`: reserve a node by resource
 * class and traits (what metalsmith and Nova use). Updating name/extra needs 1.57, `owner`
 * 1.60, backfilling with `node` 1.58. Below 1.52 reads are 404 and writes 405, as Ironic.
 */
import { randomUUID } from "node:crypto";
import { Hono, type Context } from "hono";
import { z } from "zod";
import { dictField, isLogicalName, shown, STANDALONE, textField, uuidField } from "../../../protocol/ironic-fields.ts";
import { conductorError } from "../../errors.ts";
import type { ConductorContext } from "../../orchestration/context.ts";
import { isoTime } from "../../store/node-record.ts";
import type { AllocationRecord } from "../../store/resource-stores.ts";
import { collectionBody, findIdent, gate, links, readList, readPatch, readShowFields, select, type ListSpec, type View } from "../collection.ts";
import { baseUrl, type ApiEnv } from "../env.ts";
import { readBody, readQuery } from "../validate.ts";
import { allocate, backfill, deallocate } from "./allocate.ts";
import { parentNode, referencedNode } from "./node-ref.ts";
import { traitField } from "./traits-field.ts";

export const ALLOCATIONS_MINOR = 52;
const UPDATE_MINOR = 57;
const BACKFILL_MINOR = 58;
const OWNER_MINOR = 60;
const NOT_ALLOWED = "The API version does not allow allocations";

const nameField = (verb: string) =>
  z.unknown().superRefine((v, ctx) => {
    if (typeof v !== "string" || !isLogicalName(v)) ctx.addIssue({ code: "custom", message: `Cannot ${verb} allocation with invalid name '${shown(v)}'`, params: STANDALONE });
  }) as unknown as z.ZodType<string>;

const AllocationCreateSchema = z
  .object({
    candidate_nodes: z.array(textField("candidate_nodes")).max(1000).nullable(),
    extra: dictField("extra").nullable(),
    name: nameField("create").nullable(),
    node: textField("node").nullable(),
    owner: textField("owner").nullable(),
    resource_class: textField("resource_class", 80).nullable(),
    traits: z.array(traitField("traits")).max(100).nullable(),
    uuid: uuidField("uuid").nullable(),
  })
  .partial()
  .strict();
const AllocationPatchedSchema = z.object({ name: nameField("update").nullable(), extra: dictField("extra").nullable() }).loose();

const LIST: ListSpec = {
  sortKeys: ["uuid", "name", "node_uuid", "state", "resource_class", "owner", "last_error", "created_at", "updated_at"],
  unsortable: ["extra", "candidate_nodes", "traits"],
  defaultFields: [],
};

/** An allocation as Ironic shows it at `minor` (`owner` from 1.60). */
export function allocationView(a: AllocationRecord, base: string, minor: number): View {
  const v: View = {
    uuid: a.uuid,
    created_at: isoTime(a.created_at),
    updated_at: isoTime(a.updated_at),
    candidate_nodes: a.candidate_nodes ?? [],
    extra: a.extra ?? {},
    last_error: a.last_error,
    name: a.name,
    owner: a.owner,
    resource_class: a.resource_class,
    state: a.state,
    traits: a.traits ?? [],
    node_uuid: a.node_uuid,
    links: links(base, `allocations/${a.uuid}`),
  };
  if (minor < OWNER_MINOR) delete v.owner;
  return v;
}

const FilterSchema = z.object({ node: z.string().max(255).optional(), resource_class: z.string().max(80).optional(), state: z.string().max(16).optional(), owner: z.string().max(255).optional() }).loose();

function ownerAllowed(c: Context<ApiEnv>, fields: readonly string[] | undefined) {
  if (c.get("minor") < OWNER_MINOR && fields?.includes("owner")) throw conductorError("NOT_ACCEPTABLE");
}

/**
 * @example app.route("/v1/allocations", createAllocationRoutes(ctx));
 */
export function createAllocationRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const table = ctx.store.allocations;
  const find = (ident: string) => findIdent(table, ident, "allocation_ident", true, () => conductorError("ALLOCATION_NOT_FOUND", { allocation: ident }));
  app.use("*", async (c, next) => {
    gate(c, ALLOCATIONS_MINOR, NOT_ALLOWED, true);
    await next();
  });

  app.get("/", (c) => {
    const p = readList(c, { ...LIST, detailQuery: false }, true);
    const fields = c.req.query("fields") === undefined ? undefined : p.fields;
    ownerAllowed(c, fields);
    const f = readQuery(c, FilterSchema);
    if (f.owner !== undefined && c.get("minor") < OWNER_MINOR) throw conductorError("NOT_ACCEPTABLE");
    const where: Record<string, string> = {};
    if (f.node) where.node_uuid = referencedNode(ctx, f.node).uuid;
    if (f.resource_class) where.resource_class = f.resource_class;
    if (f.state) where.state = f.state;
    if (f.owner) where.owner = f.owner;
    const rows = table.list({ where, limit: p.limit, marker: p.marker, sort_key: p.sort_key, sort_dir: p.sort_dir });
    const base = baseUrl(c);
    return c.json(collectionBody(c, "allocations", rows.map((r) => select(allocationView(r, base, c.get("minor")), fields)), { ...p, fields }, "allocations", rows.at(-1)?.uuid));
  });
  app.get("/:id", (c) => {
    const fields = readShowFields(c);
    ownerAllowed(c, fields);
    return c.json(select(allocationView(find(c.req.param("id")), baseUrl(c), c.get("minor")), fields));
  });
  app.post("/", async (c) => {
    const body = await readBody(c, AllocationCreateSchema);
    const minor = c.get("minor");
    if (body.owner && minor < OWNER_MINOR) throw conductorError("NOT_ACCEPTABLE");
    let node = null;
    if (body.node) {
      if (minor < BACKFILL_MINOR) throw conductorError("INVALID_PARAMETER", { reason: "Cannot set node when creating an allocation in this API version" });
      node = referencedNode(ctx, body.node);
    }
    const resource_class = body.resource_class || ((node?.attrs.resource_class as string | undefined) ?? null);
    if (!resource_class && !node) throw conductorError("INVALID_PARAMETER", { reason: "The resource_class field is mandatory when not backfilling" });
    const idents = body.candidate_nodes ?? [];
    const missing = idents.filter((ident) => !ctx.store.nodes.find(ident));
    if (missing.length) throw conductorError("NODES_NOT_FOUND", { nodes: missing.join(", ") });
    const candidates = idents.map((ident) => ctx.store.nodes.find(ident)!.uuid);
    const pending = table.insert({
      uuid: body.uuid ?? node?.instance_uuid ?? randomUUID(),
      name: body.name ?? null,
      node_uuid: null,
      state: "allocating",
      last_error: null,
      resource_class,
      traits: body.traits ?? [],
      candidate_nodes: candidates,
      extra: body.extra ?? {},
      owner: body.owner ?? null,
      created_at: Date.now(),
      updated_at: null,
    });
    const done = node ? backfill(ctx, pending, node) : allocate(ctx, pending);
    c.get("log").info({ allocation: done.uuid, state: done.state, node: done.node_uuid }, "allocation processed");
    const base = baseUrl(c);
    c.header("Location", `${base}/v1/allocations/${done.uuid}`);
    return c.json(allocationView(done, base, minor), 201);
  });
  app.patch("/:id", async (c) => {
    if (c.get("minor") < UPDATE_MINOR) throw conductorError("RESOURCE_VERSION_NOT_ALLOWED", { reason: "The API version does not allow updating allocations" });
    const a = find(c.req.param("id"));
    // Ironic patches only these two (owner is set at creation).
    const out = await readPatch(c, { name: a.name, extra: a.extra }, ["name", "extra"], AllocationPatchedSchema);
    return c.json(allocationView(table.update(a.uuid, { name: out.name ?? null, extra: out.extra ?? {} }), baseUrl(c), c.get("minor")));
  });
  app.delete("/:id", (c) => {
    deallocate(ctx, find(c.req.param("id")));
    return c.body(null, 204);
  });
  return app;
}

/** `GET|DELETE /v1/nodes/{id}/allocation`. */
export function createNodeAllocationRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  // Ironic: a missing node is 400 on GET (the list's node filter) and 404 on DELETE.
  const of = (c: Context<ApiEnv>) => {
    gate(c, ALLOCATIONS_MINOR, NOT_ALLOWED);
    const ident = c.req.param("ident")!;
    const node = c.req.method === "GET" ? referencedNode(ctx, ident) : parentNode(ctx, ident);
    const a = ctx.store.allocations.by("node_uuid", node.uuid);
    if (!a) throw conductorError("ALLOCATION_NOT_FOUND", { reason: `Allocation for node ${ident} was not found` });
    return a;
  };
  app.get("/:ident/allocation", (c) => {
    const fields = readShowFields(c);
    ownerAllowed(c, fields);
    return c.json(select(allocationView(of(c), baseUrl(c), c.get("minor")), fields));
  });
  app.delete("/:ident/allocation", (c) => {
    deallocate(ctx, of(c));
    return c.body(null, 204);
  });
  return app;
}
