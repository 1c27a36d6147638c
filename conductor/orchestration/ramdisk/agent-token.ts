/**
 * @module conductor/orchestration/ramdisk/agent-token
 * The one-time agent token: issued on a node's first lookup (later lookups get `******`),
 * then required on every heartbeat and on continue_inspection, compared in constant time.
 */
import { randomBytes } from "node:crypto";
import { secretsEqual } from "../../../common/timing-safe-equal.ts";
import type { NodeRecord } from "../../store/node-record.ts";
import type { ConductorContext } from "../context.ts";

/** 43 url-safe characters, as Ironic's `secrets.token_urlsafe()`. */
export function newAgentToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Issues the node's token on its first lookup; later lookups get `******`. */
export function issueToken(ctx: ConductorContext, node: NodeRecord): { node: NodeRecord; token: string } {
  if (node.agent_token) return { node, token: "******" };
  const token = newAgentToken();
  return { node: ctx.store.nodes.update(node.uuid, { agent_token: token }), token };
}

/**
 * Whether `presented` is the node's token; false when either is missing.
 * @example
 * if (!agentTokenValid(node, body.agent_token)) throw conductorError("AGENT_TOKEN_INVALID");
 */
export function agentTokenValid(node: Pick<NodeRecord, "agent_token">, presented: unknown): boolean {
  return typeof presented === "string" && secretsEqual(node.agent_token, presented);
}
