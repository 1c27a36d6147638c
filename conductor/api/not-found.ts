/**
 * @module conductor/api/not-found
 * What Ironic (pecan) answers for a path no controller serves, as seen against Ironic 21.4:
 * a wrong method on a collection is 405 (or 400 for a missing identifier), an unknown segment
 * after a node, port or driver is taken for a field name (400), anything else is a bare 404,
 * both of the last in webob's `{code, title, description}` body.
 */
import type { Context } from "hono";
import { ironicErrorBody, webobErrorBody } from "../../protocol/ironic-api.ts";

/** The identifier parameter of each collection's delete/patch handler in Ironic. */
const IDENT_PARAM: Record<string, string> = { nodes: "node_ident", ports: "port_uuid" };

/**
 * @example
 * app.notFound(ironicNotFound);
 */
export function ironicNotFound(c: Context): Response {
  const path = c.req.path.replace(/\/+$/, "");
  const method = c.req.method;
  const collection = /^\/v1\/(nodes|ports|drivers)$/.exec(path);
  if (collection) {
    const ident = IDENT_PARAM[collection[1]!];
    if (ident && (method === "DELETE" || method === "PATCH")) return c.json(ironicErrorBody(`Missing mandatory parameter: ${ident}`, 400), 400);
    return c.json(webobErrorBody("", 405, "Method Not Allowed"), 405);
  }
  if (method === "GET") {
    const node = /^\/v1\/nodes\/[^/]+\/([^/]+)$/.exec(path);
    if (node) return c.json(ironicErrorBody(`Field ${decodeURIComponent(node[1]!).slice(0, 100)} is not a valid field.`, 400), 400);
    const other = /^\/v1\/(?:ports|drivers)\/[^/]+\/([^/]+)$/.exec(path);
    if (other) return c.json(ironicErrorBody(`Field(s) "${decodeURIComponent(other[1]!).slice(0, 100)}" are not valid`, 400), 400);
  }
  // Teeth's own paths (`/images/`, `/boot/`) keep the controller body, naming what was asked.
  if (!/^\/v1(\/|$)/.test(path)) return c.json(ironicErrorBody(`The resource could not be found: ${method} ${c.req.path.slice(0, 200)}`, 404), 404);
  return c.json(webobErrorBody("", 404, "Not Found"), 404);
}
