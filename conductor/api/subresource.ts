/**
 * @module conductor/api/subresource
 * What every node sub-resource route (`/v1/nodes/{id}/traits`, `/vifs`, `/history`, ...) needs:
 * the node or a 404, the microversion gate Ironic applies to sub-resources (older clients get
 * 404, as if the resource did not exist), and the node lock check.
 */
import type { Context } from "hono";
import { conductorError } from "../errors.ts";
import type { ConductorContext } from "../orchestration/context.ts";
import type { NodeRecord } from "../store/node-record.ts";
import type { ApiEnv } from "./env.ts";

/**
 * The node named by `:ident`, or Ironic's 404.
 * @example
 * const node = subresourceNode(ctx, c, 37); // traits: 1.37 and newer
 */
export function subresourceNode(ctx: ConductorContext, c: Context<ApiEnv>, minMinor = 1): NodeRecord {
  if (c.get("minor") < minMinor) throw conductorError("NOT_FOUND", { path: `${c.req.method} ${c.req.path.slice(0, 200)}` });
  const ident = c.req.param("ident") ?? "";
  const node = ctx.store.nodes.find(ident);
  if (!node) throw conductorError("NODE_NOT_FOUND", { node: ident });
  return node;
}

/** 409 while a task holds the node, as Ironic's exclusive lock. */
export function requireUnlocked(ctx: ConductorContext, node: NodeRecord): void {
  if (ctx.locks.holder(node.uuid)) throw conductorError("NODE_LOCKED", { node: node.uuid, host: ctx.hostname });
}

/** A node's interface as configured (Ironic's defaults for fake-hardware otherwise). */
export function nodeInterface(node: NodeRecord, name: string, fallback: string): string {
  const v = node.attrs[`${name}_interface`];
  return typeof v === "string" ? v : fallback;
}
