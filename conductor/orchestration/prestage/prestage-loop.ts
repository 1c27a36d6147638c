/**
 * @module conductor/orchestration/prestage/prestage-loop
 * Pre-staging (`deploy.prestage_image`): a node waiting in `available` with a live fast-track
 * agent gets the operator's image written and verified in advance with IPA's
 * `standby.cache_image`; a later deploy of the same image then writes only the config drive.
 *
 * A resilient background loop rather than a last cleaning step, so cleaning and `available`
 * stay as they are (the node is deployable the moment cleaning ends), nodes already waiting
 * get an image the operator names later, and a changed image replaces the old one. The agent
 * is called without the node's lock, which is taken only to write the outcome (and only if
 * the node is still as it was), so a deploy is never refused for pre-staging; a deploy that
 * arrives while the agent writes finds it busy and waits for it (IPA has no way to abort a
 * command) and, for the same image, gains from it. A node that left `available` meanwhile
 * is never recorded as pre-staged.
 */
import { isTeethError } from "../../../common/branded-error.ts";
import type { CommandResult } from "../../../protocol/agent-commands.ts";
import type { ImageInfo } from "../../../protocol/image-info.ts";
import { agentText } from "../../agent-client/client.ts";
import type { PrestageImage } from "../../config/deploy-schema.ts";
import { S } from "../../state-machine/states.ts";
import type { NodeRecord } from "../../store/node-record.ts";
import type { ConductorContext } from "../context.ts";
import { agentAlive } from "../fast-track.ts";
import { recordHistory } from "../node-history.ts";
import { createResilientLoop } from "../resilient-loop.ts";
import { checksumKey, readPrestage, writePrestage, type PrestageInFlight, type PrestageState } from "./prestage-record.ts";

export type PrestageOutcome = "started" | "running" | "staged" | "failed" | "abandoned" | "up to date" | "waiting to retry" | "skipped";

export interface Prestager {
  start(): void;
  stop(): Promise<void>;
  /** One pass now; the outcome per node it looked at. */
  passOnce(): Promise<Map<string, PrestageOutcome>>;
}

/** The configured image as instance_info, so the image service checks and resolves it as any deploy's. */
function asInstanceInfo(image: PrestageImage): Record<string, unknown> {
  return Object.fromEntries(Object.entries(image).filter(([, v]) => v !== undefined));
}

function commandError(r: CommandResult): string {
  const e = r.command_error;
  if (!e) return `cache_image ended with status ${r.command_status}`;
  return agentText(`${e.message}${typeof e.details === "string" && e.details ? `: ${e.details}` : ""}`, 1000);
}

function resultFields(r: CommandResult): { device: string | null; bytes_written: number | null } {
  const res = (r.command_result ?? {}) as Record<string, unknown>;
  return { device: typeof res.device === "string" ? res.device : null, bytes_written: typeof res.bytes_written === "number" ? res.bytes_written : null };
}

/**
 * @example
 * const prestager = createPrestager(ctx);
 * prestager.start();          // every deploy.prestage_interval_s, when deploy.prestage_image is set
 * await prestager.passOnce(); // or one pass now (tests)
 */
export function createPrestager(ctx: ConductorContext): Prestager {
  const cfg = ctx.config.deploy;

  /** Writes `parts` (and one history line) into the node as it is now. Lock held. */
  function save(node: NodeRecord, parts: Partial<PrestageState>, history?: { severity: "INFO" | "ERROR"; event: string }) {
    ctx.store.nodes.update(node.uuid, { driver_internal_info: writePrestage(node.driver_internal_info, parts) });
    if (history) {
      recordHistory(ctx, node.uuid, history.severity, "prestage", history.event);
      (history.severity === "ERROR" ? ctx.log.error : ctx.log.info).call(ctx.log, { node: node.uuid, event: "prestage" }, history.event);
    }
  }

  /**
   * Runs `apply` under the node's lock with the node as it is now, if it is still the node
   * `before` was as far as pre-staging cares (state, agent, record); otherwise "skipped".
   */
  function underLock(before: NodeRecord, apply: (node: NodeRecord) => PrestageOutcome): PrestageOutcome {
    const release = ctx.locks.tryLock(before.uuid, "prestage");
    if (!release) return "skipped";
    try {
      const node = ctx.store.nodes.get(before.uuid);
      if (!node) return "skipped";
      const same = node.provision_state === before.provision_state && node.agent_url === before.agent_url && node.maintenance === before.maintenance &&
        JSON.stringify(readPrestage(node.driver_internal_info)) === JSON.stringify(readPrestage(before.driver_internal_info));
      return same ? apply(node) : "skipped";
    } finally {
      release();
    }
  }

  /** Reads the agent's command (no lock held: the agent may be slow), then records its end. */
  async function follow(before: NodeRecord, flight: PrestageInFlight, want: string): Promise<PrestageOutcome> {
    let commands: CommandResult[];
    try {
      commands = await ctx.agent.listCommands(before);
    } catch (e) {
      ctx.log.warn({ node: before.uuid, err: e }, "pre-staging: the agent did not answer; will ask again");
      return "running";
    }
    const r = commands.find((c) => c.id === flight.command_id);
    if (r?.command_status === "RUNNING") return "running";
    return underLock(before, (node) => {
      if (!r) {
        save(node, { inFlight: null }, { severity: "INFO", event: `Pre-staging of ${flight.source} abandoned: the agent no longer knows the command (restarted).` });
        return "abandoned";
      }
      if (r.command_status !== "SUCCEEDED") {
        const reason = commandError(r);
        save(node, { inFlight: null, failed: { checksum: flight.checksum, at: new Date().toISOString(), reason } }, { severity: "ERROR", event: `Pre-staging of ${flight.source} failed: ${reason}` });
        return "failed";
      }
      if (flight.checksum !== want) {
        // The operator named another image meanwhile: this one is not what deploys will ask for.
        save(node, { inFlight: null, staged: null });
        return "abandoned";
      }
      const written = resultFields(r);
      const staged = { source: flight.source, checksum: flight.checksum, at: new Date().toISOString(), ...written };
      save(node, { inFlight: null, failed: null, staged }, { severity: "INFO", event: `Pre-staged ${flight.source} (${flight.checksum}) on ${written.device ?? "the install disk"}: ${written.bytes_written ?? "?"} bytes written and verified.` });
      return "staged";
    });
  }

  /**
   * Sends cache_image (no lock held), then records it under the lock if the node is still
   * waiting in available. A deploy that took the node meanwhile finds the agent busy and
   * waits for it; the command is then simply not recorded.
   */
  async function startOn(before: NodeRecord, info: ImageInfo, source: string, want: string): Promise<PrestageOutcome> {
    let r: CommandResult;
    try {
      r = await ctx.agent.execute(before, "standby.cache_image", { image_info: { ...info, node_uuid: before.uuid } });
    } catch (e) {
      if (!(isTeethError(e) && e.code === "AGENT_BUSY")) ctx.log.warn({ node: before.uuid, err: e }, "pre-staging could not be started; will try again");
      return "skipped";
    }
    return underLock(before, (node) => {
      if (r.command_status === "FAILED") {
        const reason = commandError(r);
        save(node, { failed: { checksum: want, at: new Date().toISOString(), reason } }, { severity: "ERROR", event: `Pre-staging of ${source} failed: ${reason}` });
        return "failed";
      }
      save(node, { staged: null, failed: null, inFlight: { source, checksum: want, started_at: new Date().toISOString(), command_id: r.id } }, { severity: "INFO", event: `Pre-staging ${source} (${want}) through the running agent.` });
      return "started";
    });
  }

  /** One node: abandon a stale record, follow a running command, or start one. */
  async function visit(node: NodeRecord, info: ImageInfo, source: string, want: string): Promise<PrestageOutcome> {
    // A node someone works on (a deploy, a power action, the sync) is left alone this pass.
    if (ctx.locks.holder(node.uuid)) return "skipped";
    const state = readPrestage(node.driver_internal_info);
    if (node.provision_state !== S.AVAILABLE || node.maintenance || !agentAlive(ctx, node)) {
      const flight = state.inFlight;
      if (!flight) return "skipped";
      const why = node.provision_state !== S.AVAILABLE ? `the node left available (${node.provision_state})` : node.maintenance ? "the node is in maintenance" : "its agent is no longer live";
      return underLock(node, (now) => {
        save(now, { inFlight: null }, { severity: "INFO", event: `Pre-staging of ${flight.source} abandoned: ${why}; not recorded.` });
        return "abandoned";
      });
    }
    if (state.inFlight) return follow(node, state.inFlight, want);
    if (state.staged?.checksum === want) return "up to date";
    if (state.failed?.checksum === want && Date.now() - Date.parse(state.failed.at) < cfg.prestage_retry_s * 1000) return "waiting to retry";
    return startOn(node, info, source, want);
  }

  async function pass(): Promise<Map<string, PrestageOutcome>> {
    const out = new Map<string, PrestageOutcome>();
    const image = cfg.prestage_image;
    if (!image || !ctx.config.agent.fast_track) return out;
    const candidates = ctx.store.nodes.listInStates([S.AVAILABLE, S.MANAGEABLE]).filter((n) => n.provision_state === S.AVAILABLE || readPrestage(n.driver_internal_info).inFlight);
    if (!candidates.length) return out;
    // Resolved (a served file hashed) before any lock is taken: a deploy must never wait for it.
    const probe = { ...candidates[0]!, instance_info: asInstanceInfo(image) } as NodeRecord;
    ctx.images.validate(probe);
    const info = await ctx.images.imageInfo(probe);
    const want = checksumKey(info);
    for (const node of candidates) {
      try {
        out.set(node.uuid, await visit(node, info, image.image_source, want));
      } catch (e) {
        // One node's store write or agent failing must not end the pass for the others.
        ctx.log.error({ node: node.uuid, err: e }, "pre-staging of a node failed");
        out.set(node.uuid, "failed");
      }
    }
    return out;
  }

  let running: Promise<unknown> | null = null;
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = (running ?? Promise.resolve()).catch(() => {}).then(fn);
    running = p;
    return p;
  };
  const loop = createResilientLoop({ name: "pre-staging", intervalMs: cfg.prestage_interval_s * 1000, maxBackoffMs: cfg.prestage_interval_s * 10_000, log: ctx.log, run: () => exclusive(pass) });

  return {
    start() {
      if (cfg.prestage_image && ctx.config.agent.fast_track) loop.start();
      else if (cfg.prestage_image) ctx.log.warn("deploy.prestage_image is set but agent.fast_track is off: nothing is pre-staged");
    },
    async stop() {
      await loop.stop();
      await running?.catch(() => {});
    },
    passOnce: () => exclusive(pass),
  };
}
