/**
 * @module conductor/orchestration/fast-track
 * Whether an operation may reuse the agent already running on a node instead of
 * power-cycling it into a fresh RAM disk (Ironic's `is_fast_track`): fast track is on, an
 * agent has heartbeated within `agent.fast_track_timeout_s`, and the BMC says the node is
 * powered on. A node whose agent went quiet, or that someone powered off, falls back to the
 * normal flow; when it had an agent, the node's history says why.
 */
import type { NodeRecord } from "../store/node-record.ts";
import type { ConductorContext } from "./context.ts";
import { recordHistory } from "./node-history.ts";
import { bounded } from "./power-timeouts.ts";

export type FastTrackVerdict = { live: true; ageS: number } | { live: false; reason: string; hadAgent: boolean };

function ageOf(node: NodeRecord, now: number): number {
  return Math.max(0, Math.round((now - (node.agent_last_heartbeat ?? 0)) / 100) / 10);
}

/**
 * The verdict from what the store holds (no BMC call): for the pre-staging loop, which must
 * not wake BMCs on every pass. The recorded power state is kept current by the power sync.
 * @example
 * if (agentAlive(ctx, node)) await prestage(ctx, node);
 */
export function agentAlive(ctx: ConductorContext, node: NodeRecord, now = Date.now()): boolean {
  return recordedVerdict(ctx, node, now).live && node.power_state === "power on";
}

function recordedVerdict(ctx: ConductorContext, node: NodeRecord, now: number): FastTrackVerdict {
  const limitS = ctx.config.agent.fast_track_timeout_s;
  if (!ctx.config.agent.fast_track) return { live: false, reason: "fast track is off", hadAgent: false };
  if (!node.agent_url || !node.agent_last_heartbeat) return { live: false, reason: "no agent has heartbeated", hadAgent: false };
  const ageS = ageOf(node, now);
  if (now - node.agent_last_heartbeat >= limitS * 1000) {
    return { live: false, reason: `its agent last heartbeated ${ageS} s ago (agent.fast_track_timeout_s is ${limitS})`, hadAgent: true };
  }
  return { live: true, ageS };
}

/**
 * The verdict before an operation, with the BMC read as Ironic does (a node powered off
 * behind the conductor's back has no agent, whatever its last heartbeat said).
 * @example
 * const v = await fastTrackVerdict(ctx, node); // { live: false, reason: "the BMC reports power off", hadAgent: true }
 */
export async function fastTrackVerdict(ctx: ConductorContext, node: NodeRecord, now = Date.now()): Promise<FastTrackVerdict> {
  const recorded = recordedVerdict(ctx, node, now);
  if (!recorded.live) return recorded;
  try {
    const driver = ctx.drivers.get(node.driver);
    const state = await bounded(node, "get power state", ctx.config.power.action_timeout_s, () => driver.power.getPowerState(node));
    if (state !== "power on") return { live: false, reason: `the BMC reports ${state}`, hadAgent: true };
  } catch (e) {
    return { live: false, reason: `its power state could not be read (${(e as Error).message})`, hadAgent: true };
  }
  // The guard Ironic leaves as a TODO: the agent must answer now, or the run would start
  // against nobody and fail; booting a fresh RAM disk instead is what the operator wants.
  // Bounded well below the command timeout: a dead agent's address is usually silent.
  try {
    await ctx.agent.listCommands(node, { timeoutS: Math.min(10, ctx.config.agent.command_timeout_s) });
  } catch (e) {
    return { live: false, reason: `its agent did not answer (${(e as Error).message})`, hadAgent: true };
  }
  return recorded;
}

/**
 * Logs the verdict for `operation`, and records it in the node's history when the agent is
 * reused or when a known agent is given up (a node that never had one says nothing there).
 * @example
 * noteVerdict(ctx, node, "deploy", verdict);
 */
export function noteVerdict(ctx: ConductorContext, node: NodeRecord, operation: string, verdict: FastTrackVerdict): void {
  if (verdict.live) {
    const msg = `Fast track: ${operation} reuses the running agent (last heartbeat ${verdict.ageS} s ago); no power cycle, no network boot.`;
    ctx.log.info({ node: node.uuid, operation, heartbeat_age_s: verdict.ageS, event: "fast_track" }, msg);
    recordHistory(ctx, node.uuid, "INFO", "provisioning", msg);
    return;
  }
  if (!ctx.config.agent.fast_track) return;
  const msg = `Fast track not possible for ${operation}: ${verdict.reason}; booting the RAM disk through the BMC.`;
  if (verdict.hadAgent) {
    ctx.log.warn({ node: node.uuid, operation, reason: verdict.reason, event: "fast_track_fallback" }, msg);
    recordHistory(ctx, node.uuid, "INFO", "provisioning", msg);
  } else ctx.log.info({ node: node.uuid, operation, reason: verdict.reason, event: "fast_track_fallback" }, msg);
}
