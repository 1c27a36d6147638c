/**
 * @module conductor/api/resources/node-ref
 * A node named inside a body or a query (`node_uuid`, `node`): Ironic answers 400 (its
 * NodeNotFound re-coded) when it does not exist, and 404 when it is the path's parent.
 */
import { conductorError } from "../../errors.ts";
import type { ConductorContext } from "../../orchestration/context.ts";
import type { NodeRecord } from "../../store/node-record.ts";

/** The node a body names, or Ironic's 400. */
export function referencedNode(ctx: ConductorContext, ident: string): NodeRecord {
  const n = ctx.store.nodes.find(ident);
  if (!n) throw conductorError("NODE_REFERENCE_NOT_FOUND", { node: ident });
  return n;
}

/** The node of the path (`/v1/nodes/{ident}/...`), or Ironic's 404. */
export function parentNode(ctx: ConductorContext, ident: string): NodeRecord {
  const n = ctx.store.nodes.find(ident);
  if (!n) throw conductorError("NODE_NOT_FOUND", { node: ident });
  return n;
}
