/**
 * @module conductor/orchestration/agent-params
 * The `node` and `ports` every step command carries (Ironic: node.as_dict(secure=True)).
 */
import type { Dict, NodeRecord } from "../store/node-record.ts";
import type { ConductorContext } from "./context.ts";

/**
 * @example
 * await ctx.agent.execute(node, "clean.get_clean_steps", agentParams(ctx, node), { wait: true });
 */
export function agentParams(ctx: ConductorContext, node: NodeRecord): { node: Dict; ports: Dict[] } {
  const view = ctx.agentViews.node(node);
  delete view.links;
  delete view.ports;
  delete view.states;
  return { node: view, ports: ctx.store.ports.list({ node_uuid: node.uuid }).map((p) => ctx.agentViews.port(p)) };
}
