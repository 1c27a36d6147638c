/**
 * @module conductor/orchestration/ramdisk/heartbeat
 * The ramdisk API's logic: `lookup` hands out the one-time agent token, `heartbeat` checks
 * it (and the pinned callback URL and certificate), records the agent, and moves the node's
 * inspection, clean or deploy forward in the background.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { HeartbeatBody } from "../../../protocol/ramdisk-api.ts";
import { checkCallbackUrl } from "../../agent-client/callback-url.ts";
import { conductorError } from "../../errors.ts";
import { AGENT_STATES, FAST_TRACK_STATES, S, type ProvisionState } from "../../state-machine/states.ts";
import type { NodeRecord } from "../../store/node-record.ts";
import { maskInstanceInfo, publicInternalInfo } from "../../views/node-masking.ts";
import type { ConductorContext } from "../context.ts";
import { inspectViaAgent } from "../inspection.ts";
import { kindOf } from "../step-kinds.ts";
import { failRun, processAgentSteps } from "../step-runner.ts";

/** 43 url-safe characters, as Ironic's `secrets.token_urlsafe()`. */
export function newAgentToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Constant-time comparison of a presented agent token with the node's. */
export function tokensMatch(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function lookupAllowed(ctx: ConductorContext, state: string): boolean {
  return AGENT_STATES.includes(state as ProvisionState) || (ctx.config.agent.fast_track && FAST_TRACK_STATES.includes(state as ProvisionState));
}

/**
 * The lookup response body (Ironic's `_LOOKUP_RETURN_FIELDS` plus `config`). Lookup needs no
 * credentials, so instance_info is masked as in every view: the configdrive and any secret
 * reach the agent only inside the command that needs them (write_image's args).
 */
export function lookupBody(ctx: ConductorContext, node: NodeRecord, token: string) {
  const base = ctx.config.public_url;
  return {
    node: {
      uuid: node.uuid,
      properties: node.properties,
      instance_info: maskInstanceInfo(node.instance_info),
      driver_internal_info: publicInternalInfo(node),
      links: [
        { href: `${base}/v1/nodes/${node.uuid}`, rel: "self" },
        { href: `${base}/nodes/${node.uuid}`, rel: "bookmark" },
      ],
    },
    config: {
      heartbeat_timeout: ctx.config.agent.heartbeat_timeout_s,
      agent_token: token,
      agent_token_required: true,
      metrics: { backend: "noop", prepend_host: false, prepend_uuid: false, prepend_host_reverse: true, global_prefix: null },
      metrics_statsd: { statsd_host: "localhost", statsd_port: 8125 },
      agent_containers: {},
      agent_md5_checksum_enable: false,
      disable_deep_image_inspection: false,
      permitted_image_formats: ctx.config.agent.permitted_image_formats,
    },
  };
}

/** Issues the node's token on its first lookup; later lookups get `******`. */
export function issueToken(ctx: ConductorContext, node: NodeRecord): { node: NodeRecord; token: string } {
  if (node.agent_token) return { node, token: "******" };
  const token = newAgentToken();
  return { node: ctx.store.nodes.update(node.uuid, { agent_token: token }), token };
}

/**
 * `GET /v1/lookup`: finds the node by MAC (or UUID) in a state that waits for an agent.
 * @example
 * handleLookup(ctx, ["52:54:00:aa:bb:cc"], undefined); // { node: {...}, config: { agent_token } }
 */
export function handleLookup(ctx: ConductorContext, macs: string[], nodeUuid: string | undefined) {
  let node: NodeRecord | null = null;
  if (nodeUuid) node = ctx.store.nodes.get(nodeUuid);
  else {
    const found = ctx.store.ports.nodesForAddresses(macs);
    if (found.length === 1) node = ctx.store.nodes.get(found[0]!);
  }
  const what = nodeUuid ?? macs.join(",");
  if (!node || !lookupAllowed(ctx, node.provision_state)) throw conductorError("NODE_NOT_FOUND", { node: what });
  const issued = issueToken(ctx, node);
  return lookupBody(ctx, issued.node, issued.token);
}

/**
 * `POST /v1/heartbeat/{node}`: validates and records; returns once the 202 may be sent.
 * @example
 * handleHeartbeat(ctx, uuid, { callback_url: "https://10.0.0.5:9999", agent_token, agent_version: "0.1.0" });
 */
export function handleHeartbeat(ctx: ConductorContext, ident: string, body: HeartbeatBody): void {
  // the hot path of a large fleet: read only the agent columns, buffer unchanged agents' times
  const node = ctx.store.nodes.heartbeatTarget(ident);
  if (!node) throw conductorError("NODE_NOT_FOUND", { node: ident });
  if (!body.agent_token || !node.agent_token || !tokensMatch(body.agent_token, node.agent_token)) {
    throw conductorError("AGENT_TOKEN_INVALID");
  }
  // Checked once the token is: only the node's agent may name where the conductor calls.
  const callback = checkCallbackUrl(body.callback_url, { requireTls: ctx.config.agent.require_tls, allowLoopback: ctx.config.listen_loopback });
  if (!callback.ok) throw callback.tls ? conductorError("AGENT_TLS_REQUIRED") : conductorError("CALLBACK_URL_INVALID", { reason: callback.reason });
  if (!body.agent_version && !body.agent_status) throw conductorError("INVALID_PARAMETER", { reason: "Missing agent_version in the heartbeat." });
  if (node.agent_url && node.agent_url !== callback.url) throw conductorError("AGENT_URL_CHANGED", { node: node.uuid });
  const ca = body.agent_verify_ca ?? null;
  if (node.agent_url && (node.agent_verify_ca ?? null) !== ca) throw conductorError("AGENT_CA_CHANGED", { node: node.uuid });
  if (!lookupAllowed(ctx, node.provision_state)) throw conductorError("NOT_WAITING_FOR_AGENT", { node: node.uuid, state: node.provision_state });
  ctx.store.nodes.recordHeartbeat(node, { url: callback.url, version: body.agent_version ?? null, verifyCa: ca, at: Date.now() });
  const state = node.provision_state;
  if (node.maintenance) return abortInMaintenance(ctx, node.uuid, state);
  if (state !== S.INSPECTWAIT && state !== S.CLEANWAIT && state !== S.DEPLOYWAIT) return;
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
      await failRun(ctx, node, kind, kind === "clean" ? "Cleaning aborted as node is in maintenance mode" : "Deploy aborted as node is in maintenance mode");
    } finally {
      release();
    }
  });
}
