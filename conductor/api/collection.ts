/**
 * @module conductor/api/collection
 * What every simple Ironic collection shares: the microversion gate, the list query
 * (`fields`, `detail`, `limit`, `marker`, `sort_key`, `sort_dir`) read as Ironic reads it,
 * `fields` on one resource, links, and the JSON patch of allowed fields.
 */
import type { Context } from "hono";
import { z } from "zod";
import { MAX_JSON_DEPTH, withinJsonDepth } from "../../common/json-depth.ts";
import { isLogicalName, isUuidLike } from "../../protocol/ironic-fields.ts";
import { JsonPatchSchema } from "../../protocol/ironic-api.ts";
import { conductorError } from "../errors.ts";
import type { ResourceRecord, ResourceTable } from "../store/resource-table.ts";
import type { ApiEnv } from "./env.ts";
import { applyPatch } from "./json-patch.ts";
import { describeZodError, readBody, readQuery } from "./validate.ts";

type Ctx = Context<ApiEnv>;
export type View = Record<string, unknown>;

/** Ironic's `[api] max_limit`. */
export const MAX_LIMIT = 1000;
/** `fields=` exists from 1.8; `detail=` on a plain list from 1.43. */
const FIELDS_MINOR = 8;
const DETAIL_MINOR = 43;

/**
 * Refuses a request below the version that added the resource: 404 for reads (Ironic's
 * plain "Resource could not be found." unless `reason` names the version rule), 405 for
 * writes when `writeReason` is given (allocations, deploy templates), as Ironic.
 * @example gate(c, 52, "The API version does not allow allocations", true);
 */
export function gate(c: Ctx, minMinor: number, reason?: string, writes405 = false): void {
  if (c.get("minor") >= minMinor) return;
  if (writes405 && c.req.method !== "GET") throw conductorError("RESOURCE_VERSION_NOT_ALLOWED", { reason: reason! });
  throw conductorError("RESOURCE_VERSION_NOT_FOUND", reason ? { reason } : {});
}

/** `self` and `bookmark` links, as Ironic's `link.make_link`. */
export function links(base: string, path: string) {
  return [
    { href: `${base}/v1/${path}`, rel: "self" },
    { href: `${base}/${path}`, rel: "bookmark" },
  ];
}

const boolString = z.string().transform((s, ctx) => {
  const v = s.trim().toLowerCase();
  if (["1", "t", "true", "on", "y", "yes"].includes(v)) return true;
  if (["0", "f", "false", "off", "n", "no"].includes(v)) return false;
  ctx.addIssue({ code: "custom", message: `Invalid detail: Unrecognized value '${s}'` });
  return z.NEVER;
});
const fieldList = z.string().max(2048).transform((s) => s.split(",").map((f) => f.trim()).filter(Boolean));

const ListQuerySchema = z
  .object({
    fields: fieldList.optional(),
    detail: boolString.optional(),
    limit: z.string().max(32).optional(),
    marker: z.string().max(255).optional(),
    sort_key: z.string().max(255).optional(),
    sort_dir: z.string().max(16).optional(),
  })
  .loose();

export interface ListSpec {
  /** Columns one may sort by (Ironic: any column of the table). */
  sortKeys: readonly string[];
  /** Fields Ironic names as invalid for sorting (the dict and list fields). */
  unsortable: readonly string[];
  /** Fields of the default (non-detailed) list, `links` added. */
  defaultFields: readonly string[];
  /** Whether `?detail=` is read (1.43+); the conductors list reads it too. */
  detailQuery?: boolean;
}

export interface ListParams {
  /** Fields to show, or undefined for all. */
  fields: string[] | undefined;
  limit: number;
  marker: string | undefined;
  sort_key: string;
  sort_dir: "asc" | "desc";
  query: Record<string, string>;
  /** For the `next` link: sort_key as sent ("id" by default) and `detail` when sent. */
  shownSortKey: string;
  shownDetail: boolean | undefined;
}

/**
 * Reads a list's query as Ironic: `fields` needs 1.8, `detail` 1.43 and not with `fields`,
 * `limit` positive (at most 1000), `marker` a UUID, `sort_dir` asc/desc, `sort_key` a column.
 * @example const p = readList(c, CHASSIS_LIST, false);
 */
export function readList(c: Ctx, spec: ListSpec, detailPath: boolean): ListParams {
  const q = readQuery(c, ListQuerySchema) as z.infer<typeof ListQuerySchema> & Record<string, string>;
  const minor = c.get("minor");
  if (q.fields && minor < FIELDS_MINOR) throw conductorError("NOT_ACCEPTABLE");
  if (q.detail !== undefined && spec.detailQuery !== false && minor < DETAIL_MINOR) {
    throw conductorError("INVALID_PARAMETER", { reason: `Invalid query parameter ?detail=${c.req.query("detail")} received.` });
  }
  if (q.fields && q.detail) throw conductorError("INVALID_PARAMETER", { reason: "Can not specify ?detail=True and fields in the same request." });
  if (q.marker !== undefined && !isUuidLike(q.marker)) throw conductorError("INVALID_PARAMETER", { reason: `Expected UUID for marker: ${q.marker}` });
  const sort_dir = q.sort_dir ?? "asc";
  if (sort_dir !== "asc" && sort_dir !== "desc") throw conductorError("INVALID_PARAMETER", { reason: `Invalid sort direction: ${sort_dir}. Acceptable values are 'asc' or 'desc'` });
  let sort_key = q.sort_key ?? "created_at";
  if (sort_key === "id") sort_key = "created_at";
  if (spec.unsortable.includes(sort_key)) throw conductorError("INVALID_PARAMETER", { reason: `The sort_key value ${sort_key} is an invalid field for sorting` });
  if (!spec.sortKeys.includes(sort_key) && sort_key !== "created_at") {
    throw conductorError("INVALID_PARAMETER", { reason: `The sort_key value "${sort_key}" is an invalid field for sorting` });
  }
  let limit = MAX_LIMIT;
  if (q.limit !== undefined) {
    if (!/^\s*[-+]?\d+\s*$/.test(q.limit)) throw conductorError("INVALID_PARAMETER", { reason: `Expected an integer for limit: ${q.limit}` });
    if (Number(q.limit) <= 0) throw conductorError("INVALID_PARAMETER", { reason: "Limit must be positive" });
    limit = Math.min(Number(q.limit), MAX_LIMIT);
  }
  const detail = detailPath || q.detail === true;
  return {
    fields: q.fields ?? (detail ? undefined : [...spec.defaultFields]),
    limit,
    marker: q.marker,
    sort_key,
    sort_dir,
    query: q,
    shownSortKey: q.sort_key ?? "id",
    shownDetail: q.detail,
  };
}

/**
 * A collection body as Ironic's `list_convert_with_links`: `{ [key]: items }` and, when the
 * page is full, `next` = `<public_url>/v1/<url>?sort_key=..&sort_dir=..[&detail=..][&fields=..]&limit=N&marker=<last>`.
 * @example return c.json(collectionBody(c, "chassis", views, p, "chassis", rows.at(-1)?.uuid));
 */
export function collectionBody(c: Ctx, key: string, items: unknown[], p: ListParams, url: string, last: string | undefined): View {
  const body: View = { [key]: items };
  if (!items.length || items.length !== p.limit || !last) return body;
  const args: string[] = [`sort_key=${p.shownSortKey}`, `sort_dir=${p.sort_dir}`];
  if (p.shownDetail !== undefined) args.push(`detail=${p.shownDetail ? "True" : "False"}`);
  if (p.fields?.length) args.push(`fields=${p.fields.join(",")}`);
  body.next = `${c.get("publicUrl")}/v1/${url}?${args.map((a) => `${a}&`).join("")}limit=${p.limit}&marker=${last}`;
  return body;
}

/** `?fields=` of a show: needs 1.8. */
export function readShowFields(c: Ctx): string[] | undefined {
  const raw = c.req.query("fields");
  if (raw === undefined) return undefined;
  if (c.get("minor") < FIELDS_MINOR) throw conductorError("NOT_ACCEPTABLE");
  return fieldList.parse(raw);
}

/**
 * The fields asked for (links always kept, as Ironic's `sanitize_dict`); an unknown field
 * is Ironic's 400.
 */
export function select(full: View, fields: readonly string[] | undefined): View {
  if (!fields) return full;
  const bad = fields.filter((f) => !(f in full));
  if (bad.length) throw conductorError("INVALID_PARAMETER", { reason: `Field(s) "${bad.join(", ")}" are not valid` });
  const out: View = {};
  for (const k of Object.keys(full)) if (fields.includes(k) || k === "links") out[k] = full[k];
  return out;
}

/**
 * Looks up by UUID or, when the resource has names, by logical name; anything else is
 * Ironic's 400 "Expected UUID (or name) for ...".
 */
export function findIdent<R extends ResourceRecord>(table: ResourceTable<R>, ident: string, label: string, named: boolean, notFound: () => Error): R {
  if (isUuidLike(ident)) {
    const r = table.get(ident.toLowerCase()) ?? table.get(ident);
    if (r) return r;
    throw notFound();
  }
  if (named && isLogicalName(ident)) {
    const r = table.by("name", ident);
    if (r) return r;
    throw notFound();
  }
  throw conductorError("INVALID_PARAMETER", { reason: named ? `Expected UUID or name for ${label}: ${ident}` : `Expected UUID for ${label}: ${ident}` });
}

/**
 * Reads a JSON patch and applies it to `doc`; only `allowed` top-level fields may change
 * (Ironic's "Cannot patch /x. Only the following can be updated: ..."), then `schema`
 * validates the result.
 */
export async function readPatch<S extends z.ZodType>(c: Ctx, doc: View, allowed: readonly string[], schema: S): Promise<z.infer<S>> {
  const patch = await readBody(c, JsonPatchSchema);
  for (const p of patch) {
    const field = p.path.split("/")[1]!;
    if (!allowed.includes(field)) throw conductorError("INVALID_PARAMETER", { reason: `Cannot patch ${p.path}. Only the following can be updated: ${allowed.join(", ")}` });
  }
  const patched = applyPatch(doc, patch, new Set(allowed));
  const checked = schema.safeParse(patched);
  if (!checked.success) throw conductorError("INVALID_PARAMETER", { reason: describeZodError(checked.error) });
  if (!withinJsonDepth(JSON.stringify(checked.data), MAX_JSON_DEPTH)) {
    throw conductorError("INVALID_PARAMETER", { reason: `The patched resource nests deeper than ${MAX_JSON_DEPTH} levels.` });
  }
  return checked.data;
}
