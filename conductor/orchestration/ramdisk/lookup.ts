/**
 * @module conductor/orchestration/ramdisk/lookup
 * `GET /v1/lookup` answered: the agent names its MACs (or the node's UUID); a node in a state
 * that waits for an agent gets Ironic's lookup body with the one-time agent token.
 */
import { conductorError } from "../../errors.ts";
import { AGENT_STATES, FAST_TRACK_STATES, type ProvisionState } from "../../state-machine/states.ts";
import type { NodeRecord } from "../../store/node-record.ts";
import { maskInstanceInfo, publicInternalInfo } from "../../views/node-masking.ts";
import type { ConductorContext } from "../context.ts";
import { issueToken } from "./agent-token.ts";

/** Whether the node is in a state that waits for an agent (lookup and heartbeat accepted). */
export function lookupAllowed(ctx: ConductorContext, state: string): boolean {
  if (AGENT_STATES.includes(state as ProvisionState)) return true;
  return ctx.config.agent.fast_track && FAST_TRACK_STATES.includes(state as ProvisionState);
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

/**
 * Tasks that power-cycle a node into a fresh ramdisk (the provision verbs, by the names they
 * lock with, and power actions): an agent looking up meanwhile is the old one.
 */
const POWER_CYCLING = new Set(["inspect", "provide", "clean", "active", "rebuild", "deleted", "service", "changing node power state"]);

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
  // While an operation powers the node into a fresh ramdisk, the agent still answering is the
  // old one, about to be killed: it must not take the token meant for the next (the agent
  // retries a 409 after 5-30 s, by when the operation is done).
  const holder = ctx.locks.holder(node.uuid);
  if (!node.agent_token && holder && POWER_CYCLING.has(holder)) throw conductorError("NODE_LOCKED", { node: node.uuid, host: ctx.hostname });
  const issued = issueToken(ctx, node);
  return lookupBody(ctx, issued.node, issued.token);
}
