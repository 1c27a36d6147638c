/**
 * @module conductor/api/nodes
 * `/v1/nodes`: create, list (fields, detail, provision_state, limit/marker), show, JSON-patch,
 * delete, maintenance, inventory.
 */
import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { z } from "zod";
import { MAX_JSON_DEPTH, withinJsonDepth } from "../../common/json-depth.ts";
import { JsonPatchSchema, MaintenanceSchema, NodeCreateSchema, NodePatchedSchema } from "../../protocol/ironic-api.ts";
import { queryBoolean } from "../../protocol/ironic-fields.ts";
import { conductorError } from "../errors.ts";
import type { ConductorContext } from "../orchestration/context.ts";
import { DELETE_ALLOWED, S, TRANSIENT_FAILURE, type ProvisionState } from "../state-machine/states.ts";
import type { NodeRecord } from "../store/node-record.ts";
import { NODE_SORT_KEYS } from "../store/node-store.ts";
import { baseUrl, page, type ApiEnv } from "./env.ts";
import { applyPatch } from "./json-patch.ts";
import { ATTR_FIELDS, LIST_FIELDS, NODE_FIELDS, nodeView } from "./node-view.ts";
import { LimitSchema, describeZodError, parseJson, readBody, readQuery, readText } from "./validate.ts";

const boolString = queryBoolean;

export const NodeListQuerySchema = z
  .object({
    fields: z
      .string()
      .max(2048)
      .transform((s) => s.split(",").map((f) => f.trim()).filter(Boolean))
      .refine((fs) => fs.every((f) => NODE_FIELDS.has(f)), { message: "unknown field in 'fields'" })
      .optional(),
    detail: boolString.optional(),
    provision_state: z.string().max(64).optional(),
    maintenance: boolString.optional(),
    associated: boolString.optional(),
    driver: z.string().max(255).optional(),
    resource_class: z.string().max(255).optional(),
    limit: LimitSchema.optional(),
    marker: z.string().max(64).optional(),
    sort_key: z.enum(NODE_SORT_KEYS).optional(),
    sort_dir: z.enum(["asc", "desc"]).optional(),
  })
  .loose();

const ShowQuerySchema = z.object({ fields: NodeListQuerySchema.shape.fields }).loose();

const MAX_PAGE = 1000;

function requireNode(ctx: ConductorContext, ident: string): NodeRecord {
  const n = ctx.store.nodes.find(ident);
  if (!n) throw conductorError("NODE_NOT_FOUND", { node: ident });
  return n;
}

/** Ironic's `reservation`: this conductor's name while it holds the node's lock. */
function reservation(ctx: ConductorContext, node: NodeRecord): string | null {
  return ctx.locks.holder(node.uuid) ? ctx.hostname : null;
}

function notLocked(ctx: ConductorContext, node: NodeRecord) {
  if (ctx.locks.holder(node.uuid)) throw conductorError("NODE_LOCKED", { node: node.uuid, host: ctx.hostname });
}

const DICT_FIELDS = ["driver_info", "properties", "instance_info", "extra"] as const;
const WRITABLE = new Set<string>(["name", "driver", "instance_uuid", ...DICT_FIELDS, ...ATTR_FIELDS]);

/** A malformed driver_info field (wrong type, port out of range, ...) is a 400 naming it; missing ones wait for validate. */
function checkDriverInfo(ctx: ConductorContext, driver: string, info: Record<string, unknown>): void {
  const reason = ctx.drivers.get(driver).checkDriverInfo(info);
  if (reason) throw conductorError("DRIVER_INFO_INVALID", { reason });
}

/**
 * @example
 * app.route("/v1/nodes", createNodeRoutes(ctx));
 */
export function createNodeRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  const list = (detail: boolean) => async (c: import("hono").Context<ApiEnv>) => {
    const q = readQuery(c, NodeListQuerySchema);
    if (q.fields && (q.detail || detail)) throw conductorError("INVALID_PARAMETER", { reason: "Can not specify ?detail=True and fields in the same request." });
    const limit = !q.limit || q.limit > MAX_PAGE ? MAX_PAGE : q.limit;
    const nodes = ctx.store.nodes.list({ ...q, limit });
    const base = baseUrl(c);
    const fields = q.fields ?? (detail || q.detail ? undefined : LIST_FIELDS);
    return c.json(page(c, "nodes", nodes.map((n) => nodeView(n, base, fields, ctx.hostname, reservation(ctx, n))), limit, nodes.at(-1)?.uuid));
  };
  app.get("/", list(false));
  app.get("/detail", list(true));

  app.post("/", async (c) => {
    const body = await readBody(c, NodeCreateSchema);
    if (!ctx.drivers.has(body.driver)) throw conductorError("NO_VALID_DRIVER", { driver: body.driver });
    checkDriverInfo(ctx, body.driver, body.driver_info ?? {});
    const now = Date.now();
    const attrs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body)) if (ATTR_FIELDS.has(k) && v !== undefined && v !== null) attrs[k] = v;
    // Before 1.11 Ironic put new nodes straight into "available".
    const initial: ProvisionState = c.get("minor") >= 11 ? S.ENROLL : S.AVAILABLE;
    const node: NodeRecord = {
      uuid: body.uuid ?? randomUUID(),
      name: body.name ?? null,
      driver: body.driver,
      provision_state: initial,
      target_provision_state: null,
      power_state: null,
      target_power_state: null,
      maintenance: false,
      maintenance_reason: null,
      fault: null,
      last_error: null,
      instance_uuid: body.instance_uuid ?? null,
      driver_info: body.driver_info ?? {},
      driver_internal_info: {},
      properties: body.properties ?? {},
      instance_info: body.instance_info ?? {},
      extra: body.extra ?? {},
      attrs,
      clean_step: null,
      deploy_step: null,
      agent_url: null,
      agent_token: null,
      agent_verify_ca: null,
      agent_version: null,
      agent_last_heartbeat: null,
      provision_updated_at: now,
      inspection_started_at: null,
      inspection_finished_at: null,
      created_at: now,
      updated_at: null,
    };
    if (node.name && ctx.store.nodes.find(node.name)) throw conductorError("DUPLICATE_NAME", { name: node.name });
    ctx.store.nodes.insert(node);
    c.get("log").info({ node: node.uuid, name: node.name, driver: node.driver }, "node created");
    const base = baseUrl(c);
    c.header("Location", `${base}/v1/nodes/${node.uuid}`);
    return c.json(nodeView(node, base, undefined, ctx.hostname), 201);
  });

  app.get("/:ident", (c) => {
    const q = readQuery(c, ShowQuerySchema);
    const node = requireNode(ctx, c.req.param("ident"));
    return c.json(nodeView(node, baseUrl(c), q.fields, ctx.hostname, reservation(ctx, node)));
  });

  app.patch("/:ident", async (c) => {
    const patch = await readBody(c, JsonPatchSchema);
    const node = requireNode(ctx, c.req.param("ident"));
    notLocked(ctx, node);
    const doc: Record<string, unknown> = { ...node.attrs, name: node.name, driver: node.driver, instance_uuid: node.instance_uuid };
    for (const f of DICT_FIELDS) doc[f] = node[f];
    const patched = applyPatch(doc, patch, WRITABLE);
    const checked = NodePatchedSchema.safeParse(patched);
    if (!checked.success) throw conductorError("INVALID_PARAMETER", { reason: describeZodError(checked.error) });
    const out = checked.data as Record<string, unknown>;
    if (typeof out.driver !== "string" || !ctx.drivers.has(out.driver)) throw conductorError("NO_VALID_DRIVER", { driver: String(out.driver) });
    for (const f of DICT_FIELDS) out[f] ??= {};
    // Patch paths reach into nested dicts: the result must stay as shallow as a body must be.
    if (!withinJsonDepth(JSON.stringify(out), MAX_JSON_DEPTH)) {
      throw conductorError("INVALID_PARAMETER", { reason: `The patched node nests deeper than ${MAX_JSON_DEPTH} levels.` });
    }
    if (out.driver_info !== node.driver_info && ![S.ENROLL, S.MANAGEABLE, S.AVAILABLE, S.INSPECTFAIL, S.CLEANFAIL, S.DEPLOYFAIL, S.ACTIVE, S.ERROR].includes(node.provision_state as never) && JSON.stringify(out.driver_info) !== JSON.stringify(node.driver_info)) {
      throw conductorError("INVALID_STATE", { reason: `Node ${node.uuid} can not have driver_info updated while in state "${node.provision_state}".` });
    }
    if (out.driver !== node.driver || JSON.stringify(out.driver_info) !== JSON.stringify(node.driver_info)) {
      checkDriverInfo(ctx, out.driver as string, out.driver_info as Record<string, unknown>);
    }
    const attrs: Record<string, unknown> = {};
    for (const k of ATTR_FIELDS) if (out[k] !== undefined && out[k] !== null) attrs[k] = out[k];
    const updated = ctx.store.nodes.update(node.uuid, {
      name: (out.name as string | null) ?? null,
      driver: out.driver as string,
      instance_uuid: (out.instance_uuid as string | null) ?? null,
      driver_info: out.driver_info as Record<string, unknown>,
      properties: out.properties as Record<string, unknown>,
      instance_info: out.instance_info as Record<string, unknown>,
      extra: out.extra as Record<string, unknown>,
      attrs,
    });
    return c.json(nodeView(updated, baseUrl(c), undefined, ctx.hostname));
  });

  app.delete("/:ident", (c) => {
    const node = requireNode(ctx, c.req.param("ident"));
    notLocked(ctx, node);
    const state = node.provision_state as ProvisionState;
    const transient = state in TRANSIENT_FAILURE;
    if (transient || (!DELETE_ALLOWED.includes(state) && !node.maintenance)) {
      throw conductorError("INVALID_STATE", { reason: `Can not delete node "${node.uuid}" while it is in provision state "${state}". Valid provision states to start deletion are: ${DELETE_ALLOWED.join(", ")}, or any stable state in maintenance mode.` });
    }
    ctx.store.nodes.delete(node.uuid);
    c.get("log").info({ node: node.uuid }, "node deleted");
    return c.body(null, 204);
  });

  app.put("/:ident/maintenance", async (c) => {
    const node = requireNode(ctx, c.req.param("ident"));
    const text = await readText(c);
    let reason: string | null = null;
    if (text.trim()) {
      const r = MaintenanceSchema.safeParse(parseJson(text));
      if (!r.success) throw conductorError("INVALID_BODY", { reason: "expected {\"reason\": string}" });
      reason = r.data.reason ?? null;
    }
    reason ??= c.req.query("reason") ?? null;
    ctx.store.nodes.update(node.uuid, { maintenance: true, maintenance_reason: reason?.slice(0, 4096) ?? null });
    return c.body(null, 202);
  });
  app.delete("/:ident/maintenance", (c) => {
    const node = requireNode(ctx, c.req.param("ident"));
    ctx.store.nodes.update(node.uuid, { maintenance: false, maintenance_reason: null, fault: null });
    return c.body(null, 202);
  });

  app.get("/:ident/inventory", (c) => {
    const node = requireNode(ctx, c.req.param("ident"));
    const inv = ctx.store.inventories.get(node.uuid);
    if (!inv) throw conductorError("INVENTORY_NOT_FOUND", { node: node.uuid });
    return c.json(inv);
  });

  return app;
}
