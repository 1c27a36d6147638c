/**
 * @module conductor/api/validate
 * zod at the edge: request bodies and queries are parsed once; anything malformed becomes a
 * catalogued 400 naming the offending field, never a 500.
 */
import type { Context } from "hono";
import { z } from "zod";
import { isTeethError } from "../../common/branded-error.ts";
import { MAX_JSON_DEPTH, withinJsonDepth } from "../../common/json-depth.ts";
import { describeZodError as describeIssues } from "../../common/zod-issues.ts";
import { conductorError } from "../errors.ts";

/** "field.sub: message; other: message" from a zod error (the first five issues). */
export function describeZodError(error: z.ZodError): string {
  return describeIssues(error, { limit: 5 });
}

/**
 * Reads the body as text. A client that goes away mid-body is a 400 (it will never read the
 * answer, but the log says what happened instead of "unhandled error").
 */
export async function readText(c: Context): Promise<string> {
  try {
    return await c.req.text();
  } catch (e) {
    // The body-limit middleware fails the read with its own 413.
    if (isTeethError(e)) throw e;
    throw conductorError("INVALID_BODY", { reason: "the body could not be read (the client went away?)" }, e);
  }
}

/**
 * Parses JSON text, refusing nesting deeper than {@link MAX_JSON_DEPTH} before `JSON.parse`
 * runs: what parses must also survive `JSON.stringify`, `structuredClone` and zod.
 * @example
 * const raw = parseJson(await readText(c));
 */
export function parseJson(text: string): unknown {
  if (!withinJsonDepth(text, MAX_JSON_DEPTH)) {
    throw conductorError("INVALID_BODY", { reason: `the JSON nests deeper than ${MAX_JSON_DEPTH} levels` });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw conductorError("INVALID_BODY", { reason: "the body is not valid JSON" });
  }
}

/**
 * Parses the JSON body with `schema`.
 * @example
 * const body = await readBody(c, NodeCreateSchema);
 */
export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const raw = parseJson(await readText(c));
  const r = schema.safeParse(raw);
  if (!r.success) throw conductorError("INVALID_BODY", { reason: describeZodError(r.error) });
  return r.data;
}

/** `?limit=`: a positive integer in decimal digits, as Ironic (`int()`, then "Limit must be positive"). */
export const LimitSchema = z
  .string()
  .regex(/^\d{1,9}$/, "Expected an integer for limit")
  .transform(Number)
  .refine((n) => n > 0, "Limit must be positive");

/** Parses the query string with `schema` (values are strings). */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const r = schema.safeParse(c.req.query());
  if (!r.success) throw conductorError("INVALID_PARAMETER", { reason: `Invalid query: ${describeZodError(r.error)}` });
  return r.data;
}
