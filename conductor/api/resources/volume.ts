/**
 * @module conductor/api/resources/volume
 * `/v1/volume`, `/v1/volume/connectors` and `/v1/volume/targets` (API 1.32+), also under
 * `/v1/nodes/{id}/volume/...`: a node's storage initiators and boot volumes, stored only (no
 * storage interface acts on them here). Changing or deleting one needs its node powered off,
 * as Ironic.
 */
import { randomUUID } from "node:crypto";
import { Hono, type Context } from "hono";
import { z } from "zod";
import { dictField, textField, uuidField } from "../../../protocol/ironic-fields.ts";
import { conductorError, type ConductorError } from "../../errors.ts";
import type { ConductorContext } from "../../orchestration/context.ts";
import { isoTime } from "../../store/node-record.ts";
import type { ResourceRecord, ResourceTable } from "../../store/resource-table.ts";
import { collectionBody, findIdent, gate, links, readList, readPatch, readShowFields, select, type ListSpec, type View } from "../collection.ts";
import { baseUrl, type ApiEnv } from "../env.ts";
import { readBody, readQuery } from "../validate.ts";
import { parentNode, referencedNode } from "./node-ref.ts";

export const VOLUME_MINOR = 32;

interface Kind {
  key: "connectors" | "targets";
  label: string;
  /** Writable fields with their rules (node_uuid included). */
  fields: Record<string, z.ZodType>;
  required: readonly string[];
  defaults: Record<string, unknown>;
  defaultFields: readonly string[];
  sortKeys: readonly string[];
  unsortable: readonly string[];
  notFound(ident: string): ConductorError;
  table(ctx: ConductorContext): ResourceTable;
}

const intField = (field: string) =>
  z.unknown().superRefine((v, ctx) => {
    if (typeof v !== "number" || !Number.isInteger(v)) ctx.addIssue({ code: "custom", message: `Expected an integer for ${field}: ${JSON.stringify(v)}` });
  }) as unknown as z.ZodType<number>;

const KINDS: Record<"connectors" | "targets", Kind> = {
  connectors: {
    key: "connectors",
    label: "volume connector",
    fields: { connector_id: textField("connector_id"), extra: dictField("extra").nullable(), node_uuid: textField("node_uuid"), type: textField("type", 32) },
    required: ["connector_id", "node_uuid", "type"],
    defaults: { extra: {} },
    defaultFields: ["uuid", "node_uuid", "type", "connector_id"],
    sortKeys: ["uuid", "node_uuid", "type", "connector_id", "created_at", "updated_at"],
    unsortable: ["extra"],
    notFound: (connector) => conductorError("VOLUME_CONNECTOR_NOT_FOUND", { connector }),
    table: (ctx) => ctx.store.volumeConnectors as unknown as ResourceTable,
  },
  targets: {
    key: "targets",
    label: "volume target",
    fields: {
      boot_index: intField("boot_index"),
      extra: dictField("extra").nullable(),
      node_uuid: textField("node_uuid"),
      properties: dictField("properties").nullable(),
      volume_id: textField("volume_id", 36),
      volume_type: textField("volume_type", 64),
    },
    required: ["boot_index", "node_uuid", "volume_id", "volume_type"],
    defaults: { extra: {}, properties: {} },
    defaultFields: ["uuid", "node_uuid", "volume_type", "boot_index", "volume_id"],
    sortKeys: ["uuid", "node_uuid", "volume_type", "volume_id", "boot_index", "created_at", "updated_at"],
    unsortable: ["extra", "properties"],
    notFound: (target) => conductorError("VOLUME_TARGET_NOT_FOUND", { target }),
    table: (ctx) => ctx.store.volumeTargets as unknown as ResourceTable,
  },
};

function view(kind: Kind, r: ResourceRecord, base: string): View {
  const v: View = { uuid: r.uuid, created_at: isoTime(r.created_at), updated_at: isoTime(r.updated_at) };
  for (const f of Object.keys(kind.fields).sort()) v[f] = r[f] ?? kind.defaults[f] ?? null;
  v.links = links(base, `volume/${kind.key}/${r.uuid}`);
  return v;
}

function createSchema(kind: Kind) {
  const shape: Record<string, z.ZodType> = { uuid: uuidField("uuid").nullable().optional() };
  for (const [k, s] of Object.entries(kind.fields)) shape[k] = kind.required.includes(k) ? (k === "node_uuid" ? uuidField("node_uuid") : s) : s.optional();
  return z.object(shape).strict();
}

/** A change needs the node powered off (Ironic's InvalidStateRequested). */
function poweredOff(ctx: ConductorContext, kind: Kind, nodeUuid: string, action: string) {
  const n = ctx.store.nodes.get(nodeUuid);
  if (n && n.power_state !== "power off") throw conductorError("INVALID_STATE_REQUESTED", { action: `${kind.label} ${action}`, node: n.uuid, state: n.power_state ?? "None" });
}

const NodeFilter = z.object({ node: z.string().max(255).optional() }).loose();

function lister(ctx: ConductorContext, kind: Kind) {
  const spec: ListSpec = { sortKeys: kind.sortKeys, unsortable: kind.unsortable, defaultFields: kind.defaultFields };
  return (detail: boolean, fromNode: boolean) => (c: Context<ApiEnv>) => {
    gate(c, VOLUME_MINOR);
    const p = readList(c, spec, detail);
    const ident = fromNode ? c.req.param("ident")! : readQuery(c, NodeFilter).node;
    const where: Record<string, string> = {};
    if (ident) where.node_uuid = (fromNode ? parentNode(ctx, ident) : referencedNode(ctx, ident)).uuid;
    const rows = kind.table(ctx).list({ where, limit: p.limit, marker: p.marker, sort_key: p.sort_key, sort_dir: p.sort_dir });
    const base = baseUrl(c);
    return c.json(collectionBody(c, kind.key, rows.map((r) => select(view(kind, r, base), p.fields)), p, `volume/${kind.key}${detail ? "/detail" : ""}`, rows.at(-1)?.uuid));
  };
}

function kindRoutes(ctx: ConductorContext, kind: Kind): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const table = kind.table(ctx);
  const find = (ident: string) => findIdent(table, ident, `${kind.key === "connectors" ? "connector" : "target"}_uuid`, false, () => kind.notFound(ident));
  const list = lister(ctx, kind);
  const allowed = Object.keys(kind.fields);
  const patched = z.object(kind.fields).loose();
  // No /detail here in Ironic: only ?detail=True ("detail" is read as a UUID: 400).
  app.get("/", list(false, false));
  app.get("/:id", (c) => {
    gate(c, VOLUME_MINOR);
    return c.json(select(view(kind, find(c.req.param("id")), baseUrl(c)), readShowFields(c)));
  });
  app.post("/", async (c) => {
    gate(c, VOLUME_MINOR);
    const body = (await readBody(c, createSchema(kind))) as Record<string, unknown>;
    // Ironic's wording for a create naming a node that does not exist.
    const node = ctx.store.nodes.find(String(body.node_uuid));
    if (!node) throw conductorError("INVALID_PARAMETER", { reason: `Invalid input for field/attribute node_uuid. Value: '${body.node_uuid}'. ` });
    const rec: ResourceRecord = { ...kind.defaults, ...body, uuid: (body.uuid as string | undefined) ?? randomUUID(), node_uuid: node.uuid, created_at: Date.now(), updated_at: null };
    for (const [k, v] of Object.entries(kind.defaults)) rec[k] ??= v;
    const r = table.insert(rec);
    const base = baseUrl(c);
    c.header("Location", `${base}/v1/volume/${kind.key}/${r.uuid}`);
    return c.json(view(kind, r, base), 201);
  });
  app.patch("/:id", async (c) => {
    gate(c, VOLUME_MINOR);
    const r = find(c.req.param("id"));
    const doc: View = {};
    for (const f of allowed) doc[f] = r[f];
    const out = (await readPatch(c, doc, allowed, patched)) as Record<string, unknown>;
    const node = referencedNode(ctx, String(out.node_uuid));
    poweredOff(ctx, kind, r.node_uuid as string, "update");
    const fields: Record<string, unknown> = { node_uuid: node.uuid };
    for (const f of allowed) if (f !== "node_uuid") fields[f] = out[f] ?? kind.defaults[f] ?? null;
    return c.json(view(kind, table.update(r.uuid, fields), baseUrl(c)));
  });
  app.delete("/:id", (c) => {
    gate(c, VOLUME_MINOR);
    const r = find(c.req.param("id"));
    poweredOff(ctx, kind, r.node_uuid as string, "deletion");
    table.delete(r.uuid);
    return c.body(null, 204);
  });
  return app;
}

function volumeRoot(c: Context<ApiEnv>, prefix: string) {
  gate(c, VOLUME_MINOR);
  const base = baseUrl(c);
  return c.json({ links: links(base, `${prefix}volume/`), connectors: links(base, `${prefix}volume/connectors`), targets: links(base, `${prefix}volume/targets`) });
}

/**
 * @example app.route("/v1/volume", createVolumeRoutes(ctx));
 */
export function createVolumeRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get("/", (c) => volumeRoot(c, ""));
  app.route("/connectors", kindRoutes(ctx, KINDS.connectors));
  app.route("/targets", kindRoutes(ctx, KINDS.targets));
  return app;
}

/** `/v1/nodes/{id}/volume`, `.../connectors`, `.../targets` (read only, as Ironic). */
export function createNodeVolumeRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get("/:ident/volume", (c) => {
    parentNode(ctx, c.req.param("ident"));
    return volumeRoot(c, `nodes/${c.req.param("ident")}/`);
  });
  for (const kind of Object.values(KINDS)) {
    const list = lister(ctx, kind);
    app.get(`/:ident/volume/${kind.key}`, list(false, true));
  }
  return app;
}
