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
import { conductorError } from "../errors.ts";
import type { ConductorContext } from "../orchestration/context.ts";
import { recordHistory } from "../orchestration/node-history.ts";
import { DELETE_ALLOWED, S, TRANSIENT_FAILURE, type ProvisionState } from "../state-machine/states.ts";
import { newNodeRecord, type NodeRecord } from "../store/node-record.ts";
import { baseUrl, page, type ApiEnv } from "./env.ts";
import { applyPatch } from "./json-patch.ts";
import { INTERFACE_FIELDS, resolveInterfaces } from "../drivers/interfaces.ts";
import { ATTR_FIELDS, LIST_FIELDS, NODE_FIELDS, nodeView } from "./node-view.ts";
import { checkChassisRef } from "./resources/chassis.ts";
import { readNodeListQuery } from "./node-list-query.ts";
import { checkFields, NODE_FIELD_MINOR, rejectNewerInBody, rejectNewerInPatch } from "./versions.ts";
import { describeZodError, parseJson, readBody, readQuery, readText } from "./validate.ts";

const ShowQuerySchema = z
  .object({
    fields: z
      .string()
      .max(2048)
      .transform((s) => s.split(",").map((f) => f.trim()).filter(Boolean))
      .optional(),
  })
  .loose();

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
// maintenance_reason is set by PUT /maintenance only, as Ironic.
const WRITABLE = new Set<string>(["name", "driver", "instance_uuid", "maintenance", ...DICT_FIELDS, ...ATTR_FIELDS]);

/** A patch of a field that can not change is 400 with Ironic's list of the ones that can. */
function checkPatchable(patch: readonly { path: string }[]): void {
  for (const op of patch) {
    if (!WRITABLE.has(op.path.split("/")[1] ?? "")) {
      throw conductorError("INVALID_PARAMETER", { reason: `Cannot patch ${op.path.slice(0, 255)}. Only the following can be updated: ${[...WRITABLE].sort().join(", ")}` });
    }
  }
}

/** Provision states in which a node's interfaces may change (else only in maintenance), as Ironic. */
const INTERFACE_UPDATE_STATES = [S.ENROLL, S.INSPECTING, S.INSPECTWAIT, S.MANAGEABLE, S.AVAILABLE] as string[];

/**
 * Ironic's `update_node` rules for `retired`, `protected` and interfaces: leaving retired or
 * protected clears the reason, a reason needs the flag, `retired` is refused in `available`,
 * `protected` needs `active` or `rescue`.
 */
function checkStateRules(node: NodeRecord, before: Record<string, unknown>, out: Record<string, unknown>): void {
  const changed = (k: string) => JSON.stringify(before[k] ?? null) !== JSON.stringify(out[k] ?? null);
  const state = node.provision_state;
  for (const [flag, reason, rule] of [
    ["protected", "protected_reason", () => {
      if (state !== S.ACTIVE && state !== "rescue") {
        throw conductorError("INVALID_STATE", { reason: `Node ${node.uuid} can only be made protected in provision states 'active' or 'rescue', the current state is '${state}'` });
      }
    }],
    ["retired", "retired_reason", () => {
      if (state === S.AVAILABLE) {
        throw conductorError("INVALID_STATE", { reason: `Node ${node.uuid} can not have 'retired' set in provision state 'available', the current state is '${state}'` });
      }
    }],
  ] as const) {
    if (changed(flag)) {
      if (!out[flag]) out[reason] = null;
      else rule();
    }
    if (changed(reason) && out[reason] && !out[flag]) {
      throw conductorError("INVALID_PARAMETER", { reason: `The ${reason} field can only be set when ${flag} is True` });
    }
  }
  for (const k of Object.keys(out)) {
    if (k.endsWith("_interface") && changed(k) && !INTERFACE_UPDATE_STATES.includes(state) && !node.maintenance) {
      throw conductorError("INVALID_STATE", { reason: `Node ${node.uuid} can not have ${k} updated unless it is in one of allowed (${INTERFACE_UPDATE_STATES.join(", ")}) states or in maintenance mode.` });
    }
  }
}

/** `parent_node` names an existing node other than this one; stored as its UUID (Ironic, 1.83). */
function resolveParent(ctx: ConductorContext, value: unknown, self: string | null): string | null {
  if (value === undefined || value === null) return null;
  const parent = ctx.store.nodes.find(String(value));
  if (!parent) throw conductorError("NODE_NOT_FOUND", { node: String(value) });
  if (parent.uuid === self) throw conductorError("INVALID_PARAMETER", { reason: "A node can not be its own parent." });
  return parent.uuid;
}

/** A malformed driver_info field (wrong type, port out of range, ...) is a 400 naming it; missing ones wait for validate. */
function checkDriverInfo(ctx: ConductorContext, driver: string, info: Record<string, unknown>): void {
  const reason = ctx.drivers.get(driver).checkDriverInfo(info);
  if (reason) throw conductorError("DRIVER_INFO_INVALID", { reason });
}

/**
 * A node's conductor group must be the one this conductor serves (Ironic's hash ring has no
 * conductor for another: "No valid host was found"); it is stored lower-cased, as Ironic does.
 */
function checkConductorGroup(ctx: ConductorContext, driver: string, attrs: Record<string, unknown>, patching: boolean): void {
  const group = typeof attrs.conductor_group === "string" ? attrs.conductor_group : "";
  // Ironic names the group as sent on create, lower-cased on PATCH (it lowers it first there).
  if (group.toLowerCase() !== ctx.config.conductor_group) throw conductorError("NO_VALID_GROUP", { driver, group: patching ? group.toLowerCase() : group });
  if (group) attrs.conductor_group = group.toLowerCase();
  else delete attrs.conductor_group;
}

/**
 * @example
 * app.route("/v1/nodes", createNodeRoutes(ctx));
 */
export function createNodeRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  const list = (detailPath: boolean) => async (c: import("hono").Context<ApiEnv>) => {
    const minor = c.get("minor");
    const q = readNodeListQuery(c.req.queries(), minor, detailPath);
    checkFields(q.fields, NODE_FIELDS, NODE_FIELD_MINOR, minor);
    if (q.filters.chassis_uuid && !ctx.store.chassis.get(q.filters.chassis_uuid)) throw conductorError("CHASSIS_NOT_FOUND", { chassis: q.filters.chassis_uuid });
    const limit = !q.limit || q.limit > MAX_PAGE ? MAX_PAGE : q.limit;
    // Every node is this conductor's: `?conductor=` of another name lists none.
    const nodes = q.conductor !== undefined && q.conductor !== ctx.hostname ? [] : ctx.store.nodes.list({ ...q.filters, limit, marker: q.marker, sort_key: q.sort_key, sort_dir: q.sort_dir });
    const base = baseUrl(c);
    const fields = q.fields ?? (q.detail ? undefined : LIST_FIELDS);
    // instance_uuid is unique: Ironic never offers a next page for it.
    const pageLimit = q.filters.instance_uuid ? 0 : limit;
    return c.json(page(c, "nodes", nodes.map((n) => nodeView(n, base, fields, ctx.hostname, reservation(ctx, n), minor)), pageLimit, nodes.at(-1)?.uuid));
  };
  app.get("/", list(false));
  app.get("/detail", list(true));

  app.post("/", async (c) => {
    const body = await readBody(c, NodeCreateSchema);
    rejectNewerInBody(body as Record<string, unknown>, NODE_FIELD_MINOR, c.get("minor"));
    if (!ctx.drivers.has(body.driver)) throw conductorError("NO_VALID_DRIVER", { driver: body.driver });
    checkDriverInfo(ctx, body.driver, body.driver_info ?? {});
    checkChassisRef(ctx, body.chassis_uuid);
    const now = Date.now();
    const attrs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body)) if (ATTR_FIELDS.has(k) && v !== undefined && v !== null) attrs[k] = v;
    checkConductorGroup(ctx, body.driver, attrs, false);
    if (body.parent_node) attrs.parent_node = resolveParent(ctx, body.parent_node, body.uuid ?? null);
    // Every interface is stored with the node, the defaults of today's config included (Ironic).
    Object.assign(attrs, resolveInterfaces(ctx.config.interfaces, body.driver, body, body.uuid));
    if (attrs.retired === false) delete attrs.retired;
    // Before 1.11 Ironic put new nodes straight into "available".
    const initial: ProvisionState = c.get("minor") >= 11 ? S.ENROLL : S.AVAILABLE;
    const node = newNodeRecord(
      {
        uuid: body.uuid ?? randomUUID(),
        name: body.name ?? null,
        driver: body.driver,
        provision_state: initial,
        maintenance: body.maintenance ?? false,
        maintenance_reason: body.maintenance ? (body.maintenance_reason ?? null) : null,
        instance_uuid: body.instance_uuid ?? null,
        driver_info: body.driver_info ?? {},
        properties: body.properties ?? {},
        instance_info: body.instance_info ?? {},
        extra: body.extra ?? {},
        attrs,
      },
      now,
    );
    if (node.name && ctx.store.nodes.find(node.name)) throw conductorError("DUPLICATE_NAME", { name: node.name });
    ctx.store.nodes.insert(node);
    c.get("log").info({ node: node.uuid, name: node.name, driver: node.driver }, "node created");
    const base = baseUrl(c);
    c.header("Location", `${base}/v1/nodes/${node.uuid}`);
    return c.json(nodeView(node, base, undefined, ctx.hostname, null, c.get("minor")), 201);
  });

  app.get("/:ident", (c) => {
    const q = readQuery(c, ShowQuerySchema);
    checkFields(q.fields, NODE_FIELDS, NODE_FIELD_MINOR, c.get("minor"));
    const node = requireNode(ctx, c.req.param("ident"));
    return c.json(nodeView(node, baseUrl(c), q.fields, ctx.hostname, reservation(ctx, node), c.get("minor")));
  });

  app.patch("/:ident", async (c) => {
    const patch = await readBody(c, JsonPatchSchema);
    rejectNewerInPatch(patch, NODE_FIELD_MINOR, c.get("minor"));
    checkPatchable(patch);
    const node = requireNode(ctx, c.req.param("ident"));
    notLocked(ctx, node);
    const doc: Record<string, unknown> = {
      ...node.attrs, name: node.name, driver: node.driver, instance_uuid: node.instance_uuid,
      maintenance: node.maintenance,
    };
    const before = { ...doc };
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
    if (out.driver_info !== node.driver_info && ![S.ENROLL, S.MANAGEABLE, S.AVAILABLE, S.INSPECTFAIL, S.CLEANFAIL, S.DEPLOYFAIL, S.ACTIVE, S.ERROR, S.ADOPTFAIL, S.RESCUE, S.RESCUEFAIL, S.UNRESCUEFAIL].includes(node.provision_state as never) && JSON.stringify(out.driver_info) !== JSON.stringify(node.driver_info)) {
      throw conductorError("INVALID_STATE", { reason: `Node ${node.uuid} can not have driver_info updated while in state "${node.provision_state}".` });
    }
    if (out.driver !== node.driver || JSON.stringify(out.driver_info) !== JSON.stringify(node.driver_info)) {
      checkDriverInfo(ctx, out.driver as string, out.driver_info as Record<string, unknown>);
    }
    if (out.chassis_uuid !== node.attrs.chassis_uuid) checkChassisRef(ctx, out.chassis_uuid);
    checkStateRules(node, before, out);
    // `?reset_interfaces=True` (1.45) with a new driver: interfaces the patch leaves alone go back to the defaults.
    if (out.driver !== node.driver && ["true", "1"].includes((c.req.query("reset_interfaces") ?? "").toLowerCase())) {
      const patched = new Set(patch.map((op) => op.path.split("/")[1]));
      for (const f of INTERFACE_FIELDS) if (!patched.has(f)) delete out[f];
    }
    const changedIface = out.driver !== node.driver || INTERFACE_FIELDS.some((f) => out[f] !== before[f]);
    if (changedIface) Object.assign(out, resolveInterfaces(ctx.config.interfaces, out.driver as string, out, node.uuid));
    if (out.parent_node !== before.parent_node) out.parent_node = resolveParent(ctx, out.parent_node, node.uuid);
    // attrs PATCH can't write (traits, target_raid_config: their own endpoints) are kept.
    const attrs: Record<string, unknown> = Object.fromEntries(Object.entries(node.attrs).filter(([k]) => !ATTR_FIELDS.has(k)));
    for (const k of ATTR_FIELDS) if (out[k] !== undefined && out[k] !== null && out[k] !== false) attrs[k] = out[k];
    if (out.automated_clean === false) attrs.automated_clean = false;
    if (out.conductor_group !== before.conductor_group || out.driver !== node.driver) checkConductorGroup(ctx, out.driver as string, attrs, true);
    const maintenance = Boolean(out.maintenance);
    const updated = ctx.store.nodes.update(node.uuid, {
      maintenance,
      maintenance_reason: maintenance ? node.maintenance_reason : null,
      ...(maintenance ? {} : { fault: null }),
      name: (out.name as string | null) ?? null,
      driver: out.driver as string,
      instance_uuid: (out.instance_uuid as string | null) ?? null,
      driver_info: out.driver_info as Record<string, unknown>,
      properties: out.properties as Record<string, unknown>,
      instance_info: out.instance_info as Record<string, unknown>,
      extra: out.extra as Record<string, unknown>,
      attrs,
    });
    return c.json(nodeView(updated, baseUrl(c), undefined, ctx.hostname, reservation(ctx, updated), c.get("minor")));
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
    recordHistory(ctx, node.uuid, "INFO", "maintenance", `Maintenance mode set${reason ? `: ${reason.slice(0, 4096)}` : ""}`);
    return c.body(null, 202);
  });
  app.delete("/:ident/maintenance", (c) => {
    const node = requireNode(ctx, c.req.param("ident"));
    ctx.store.nodes.update(node.uuid, { maintenance: false, maintenance_reason: null, fault: null });
    recordHistory(ctx, node.uuid, "INFO", "maintenance", "Maintenance mode cleared");
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
