/**
 * @module conductor/orchestration/ramdisk/heartbeat
 * `POST /v1/heartbeat/{node}` answered: checks the agent token (and the pinned callback URL
 * and certificate), records the agent, and moves the node's inspection, clean or deploy
 * forward in the background. A heartbeat in maintenance aborts a clean or deploy.
 */
import type { HeartbeatBody } from "../../../protocol/ramdisk-api.ts";
import { checkCallbackUrl } from "../../agent-client/callback-url.ts";
import { conductorError } from "../../errors.ts";
import { S } from "../../state-machine/states.ts";
import type { ConductorContext } from "../context.ts";
import { inspectViaAgent } from "../inspection.ts";
import { kindOf } from "../step-kinds.ts";
import { failRun, processAgentSteps } from "../step-runner.ts";
import { agentTokenValid } from "./agent-token.ts";
import { lookupAllowed } from "./lookup.ts";

/**
 * `POST /v1/heartbeat/{node}`: validates and records; returns once the 202 may be sent.
 * @example
 * handleHeartbeat(ctx, uuid, { callback_url: "https://10.0.0.5:9999", agent_token, agent_version: "0.1.0" });
 */
export function handleHeartbeat(ctx: ConductorContext, ident: string, body: HeartbeatBody): void {
  // the hot path of a large fleet: read only the agent columns, buffer unchanged agents' times
  const node = ctx.store.nodes.heartbeatTarget(ident);
  if (!node) throw conductorError("NODE_NOT_FOUND", { node: ident });
  if (!agentTokenValid(node, body.agent_token)) throw conductorError("AGENT_TOKEN_INVALID");
  // Checked once the token is: only the node's agent may name where the conductor calls.
  const callback = checkCallbackUrl(body.callback_url, {
    requireTls: ctx.config.agent.require_tls,
    allowLoopback: ctx.config.listen_loopback,
  });
  if (!callback.ok) {
    if (callback.tls) throw conductorError("AGENT_TLS_REQUIRED");
    throw conductorError("CALLBACK_URL_INVALID", { reason: callback.reason });
  }
  if (!body.agent_version && !body.agent_status) {
    throw conductorError("INVALID_PARAMETER", { reason: "Missing agent_version in the heartbeat." });
  }
  if (node.agent_url && node.agent_url !== callback.url) throw conductorError("AGENT_URL_CHANGED", { node: node.uuid });
  const ca = body.agent_verify_ca ?? null;
  if (node.agent_url && (node.agent_verify_ca ?? null) !== ca) throw conductorError("AGENT_CA_CHANGED", { node: node.uuid });
  if (!lookupAllowed(ctx, node.provision_state)) {
    throw conductorError("NOT_WAITING_FOR_AGENT", { node: node.uuid, state: node.provision_state });
  }
  ctx.store.nodes.recordHeartbeat(node, { url: callback.url, version: body.agent_version ?? null, verifyCa: ca, at: Date.now() });
  const state = node.provision_state;
  if (node.maintenance) return abortInMaintenance(ctx, node.uuid, state);
  if (state !== S.INSPECTWAIT && state !== S.CLEANWAIT && state !== S.DEPLOYWAIT && state !== S.SERVICEWAIT) return;
  const release = ctx.locks.tryLock(node.uuid, "heartbeat");
  if (!release) return; // already being worked on; this heartbeat only refreshed the agent
  ctx.background(`heartbeat ${node.uuid}`, async () => {
    try {
      if (state === S.INSPECTWAIT) await inspectViaAgent(ctx, node.uuid);
      else await processAgentSteps(ctx, node.uuid);
    } finally {
      release();
    }
  });
}

/**
 * A heartbeat from a node in maintenance: a clean or deploy under way is aborted into
 * `clean failed` / `deploy failed` (Ironic with `allow_provisioning_in_maintenance = False`,
 * the rule Teeth already applies when a clean or deploy is requested); in any other state
 * the heartbeat only refreshed the agent.
 */
function abortInMaintenance(ctx: ConductorContext, uuid: string, state: string): void {
  const kind = kindOf(state);
  if (!kind) return;
  const release = ctx.locks.tryLock(uuid, "heartbeat");
  if (!release) return; // a step is being driven right now; the next heartbeat aborts
  ctx.background(`abort ${kind} ${uuid}`, async () => {
    try {
      const node = ctx.store.nodes.get(uuid);
      if (!node?.maintenance || kindOf(node.provision_state) !== kind) return;
      ctx.log.error({ node: uuid, state: node.provision_state }, `aborting ${kind}: the node is in maintenance mode`);
      const what = { clean: "Cleaning", deploy: "Deploy", service: "Servicing" }[kind];
      const reason = `${what} aborted as node is in maintenance mode`;
      await failRun(ctx, node, kind, reason);
    } finally {
      release();
    }
  });
}
