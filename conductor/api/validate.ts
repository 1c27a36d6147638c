/**
 * @module conductor/api/validate
 * zod at the edge: request bodies and queries are parsed once; anything malformed becomes a
 * catalogued 400 naming the offending field, never a 500.
 */
import type { Context } from "hono";
import type { z } from "zod";
import { conductorError } from "../errors.ts";

/** "field.sub: message; other: message" from a zod error. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => {
      const path = i.path.map(String).join(".");
      if (i.code === "unrecognized_keys") return `unknown field(s) ${i.keys.map((k) => `'${k}'`).join(", ")}${path ? ` in ${path}` : ""}`;
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join("; ");
}

/**
 * Parses the JSON body with `schema`.
 * @example
 * const body = await readBody(c, NodeCreateSchema);
 */
export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let raw: unknown;
  try {
    const text = await c.req.text();
    raw = JSON.parse(text);
  } catch {
    throw conductorError("INVALID_BODY", { reason: "the body is not valid JSON" });
  }
  const r = schema.safeParse(raw);
  if (!r.success) throw conductorError("INVALID_BODY", { reason: describeZodError(r.error) });
  return r.data;
}

/** Parses the query string with `schema` (values are strings). */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const r = schema.safeParse(c.req.query());
  if (!r.success) throw conductorError("INVALID_PARAMETER", { reason: `Invalid query: ${describeZodError(r.error)}` });
  return r.data;
}
