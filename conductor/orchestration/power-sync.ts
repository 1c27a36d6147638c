/**
 * @module conductor/orchestration/power-sync
 * The power-state sync (Ironic's `_sync_power_states` and `_power_failure_recovery`): every
 * `sync_power_state_interval` seconds each node's BMC is read, a few at a time, and a change
 * made behind the conductor's back (someone pressed the button) is recorded and logged; with
 * `force_power_state_during_sync` the node is powered back instead. A node whose BMC keeps
 * failing goes into maintenance with fault `power failure` after `power_state_sync_max_retries`
 * attempts, and comes out by itself once its BMC answers again.
 *
 * It never fights the operator: nodes that are locked, in maintenance, mid power action,
 * waiting for their agent or enrolling are skipped, and so are nodes whose driver info does not
 * validate. The BMC is read without holding the node's lock (an unreachable BMC must not block
 * the operator); the result is written under the lock only if the node did not change meanwhile.
 * The passes run on a resilient loop: one that fails (store down) is logged and the next one
 * waits longer, up to 10 intervals.
 */
import { S } from "../state-machine/states.ts";
import type { NodeRecord } from "../store/node-record.ts";
import type { ConductorContext } from "./context.ts";
import { errorText, nodePowerAction } from "./power-action.ts";
import { bounded } from "./power-timeouts.ts";
import { recordHistory } from "./node-history.ts";
import { createResilientLoop } from "./resilient-loop.ts";
import { WIPE_AGENT } from "./agent-lifecycle.ts";
import { hasPrestage, withoutPrestage } from "./prestage/prestage-record.ts";

/** Ironic's `faults.POWER_FAILURE`. */
export const POWER_FAILURE = "power failure";

/** Ironic's SYNC_EXCLUDED_STATES (ADOPTFAIL does not exist here). */
const EXCLUDED_STATES = new Set<string>([S.DEPLOYWAIT, S.CLEANWAIT, S.ENROLL]);

const MAX_BACKOFF = 10;

export type SyncOutcome = "unchanged" | "recorded" | "corrected" | "forced" | "failed" | "maintenance" | "skipped" | "recovered";

export interface PowerSyncOptions {
  /**
   * Extra gate before a node's BMC is contacted (tests refuse BMCs off loopback). A node it
   * refuses is skipped.
   */
  mayContact?: (node: NodeRecord) => boolean;
}

export interface PowerSync {
  /** Schedules the periodic passes (an interval of 0 disables its loop). */
  start(): void;
  /** Stops scheduling and waits for a pass under way. */
  stop(): Promise<void>;
  /** One sync pass over every node not in maintenance; the outcome per node UUID. */
  syncOnce(): Promise<Map<string, SyncOutcome>>;
  /** One recovery pass over nodes in maintenance for `power failure`. */
  recoverOnce(): Promise<Map<string, SyncOutcome>>;
  /** Failed reads in a row per node (for tests and diagnostics). */
  failures(uuid: string): number;
}

/** Runs `work` over `items` with at most `limit` at once. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * @example
 * const sync = createPowerSync(ctx);
 * sync.start();           // every config.power.sync_power_state_interval seconds
 * await sync.syncOnce();  // or one pass now
 */
export function createPowerSync(ctx: ConductorContext, options: PowerSyncOptions = {}): PowerSync {
  const cfg = ctx.config.power;
  const counts = new Map<string, number>();
  let running: Promise<unknown> | null = null;

  /** Why this node is not to be read now, or null. */
  function skipReason(node: NodeRecord, inMaintenance: boolean): string | null {
    if (node.maintenance !== inMaintenance) return "maintenance changed";
    if (inMaintenance ? node.provision_state === S.ENROLL : EXCLUDED_STATES.has(node.provision_state)) return "state";
    if (inMaintenance && node.fault !== POWER_FAILURE) return "fault";
    if (node.target_power_state) return "power action under way";
    if (ctx.locks.holder(node.uuid)) return "locked";
    if (!ctx.drivers.has(node.driver)) return "driver not enabled";
    if (ctx.drivers.get(node.driver).validate(node)) return "driver info does not validate";
    if (options.mayContact && !options.mayContact(node)) return "refused by mayContact";
    return null;
  }

  /** Reads the BMC without the lock, then takes the lock and hands `apply` the node as it is now, if unchanged. */
  async function readThenApply(
    before: NodeRecord,
    inMaintenance: boolean,
    apply: (node: NodeRecord, read: { state: string } | { error: unknown }) => Promise<SyncOutcome>,
  ): Promise<SyncOutcome> {
    if (skipReason(before, inMaintenance)) return "skipped";
    let read: { state: string } | { error: unknown };
    try {
      const driver = ctx.drivers.get(before.driver);
      read = { state: await bounded(before, "get power state", cfg.action_timeout_s, () => driver.power.getPowerState(before)) };
    } catch (e) {
      read = { error: e };
    }
    const release = ctx.locks.tryLock(before.uuid, "power state sync");
    if (!release) return "skipped";
    try {
      const node = ctx.store.nodes.get(before.uuid);
      if (!node) {
        counts.delete(before.uuid);
        return "skipped";
      }
      // Anything written meanwhile (an operator's action, a deploy step) makes the read stale.
      if (node.updated_at !== before.updated_at || node.power_state !== before.power_state || node.target_power_state) return "skipped";
      if (node.maintenance !== inMaintenance) return "skipped";
      return await apply(node, read);
    } finally {
      release();
    }
  }

  function intoMaintenance(node: NodeRecord, actual: string | null, error?: unknown): SyncOutcome {
    let msg =
      `During sync_power_state, max retries exceeded for node ${node.uuid}, node state ${actual ?? "None"} ` +
      `does not match expected state '${node.power_state ?? "None"}'. Updating DB state to '${actual ?? "None"}' ` +
      "Switching node to maintenance mode.";
    if (error !== undefined) msg += ` Error: ${errorText(error)}`;
    ctx.store.nodes.update(node.uuid, { power_state: actual, maintenance: true, maintenance_reason: msg, fault: POWER_FAILURE, last_error: msg });
    recordHistory(ctx, node.uuid, "ERROR", "monitoring", msg);
    ctx.log.error({ node: node.uuid, power_state: actual, previous: node.power_state, event: "power_failure" }, msg);
    return "maintenance";
  }

  async function syncNode(before: NodeRecord): Promise<SyncOutcome> {
    return readThenApply(before, false, async (node, read) => {
      const count = (counts.get(node.uuid) ?? 0) + 1;
      const max = cfg.power_state_sync_max_retries;
      if ("error" in read) {
        counts.set(node.uuid, count);
        if (count > max) return intoMaintenance(node, null, read.error);
        ctx.log.warn({ node: node.uuid, attempt: count, retries: max, err: read.error }, "During sync_power_state, could not get power state");
        return "failed";
      }
      const actual = read.state;
      if (node.power_state === actual) {
        counts.delete(node.uuid);
        return "unchanged";
      }
      if (node.power_state === null) {
        counts.delete(node.uuid);
        ctx.store.nodes.update(node.uuid, { power_state: actual });
        ctx.log.info({ node: node.uuid, power_state: actual }, "During sync_power_state, node has no previous known state; recording it");
        return "recorded";
      }
      counts.set(node.uuid, count);
      if (count > max) return intoMaintenance(node, actual);
      if (cfg.force_power_state_during_sync) {
        const recorded = node.power_state as "power on" | "power off";
        ctx.log.warn(
          { node: node.uuid, actual, expected: recorded, event: "power_state_forced" },
          "During sync_power_state, node state does not match expected state; changing hardware state back",
        );
        // Powered back on, it boots afresh: the agent that ran before is not the one that comes up.
        if (actual === "power off" && (node.agent_url || hasPrestage(node.driver_internal_info))) {
          node = ctx.store.nodes.update(node.uuid, { ...WIPE_AGENT, driver_internal_info: withoutPrestage(node.driver_internal_info) });
        }
        try {
          await nodePowerAction(ctx, node, recorded);
        } catch (e) {
          ctx.log.error({ node: node.uuid, state: recorded, attempt: count, retries: max, err: e }, "During sync_power_state, failed to change power state back");
        }
        return "forced";
      }
      // Powered off behind the conductor's back: whatever agent ran there is gone (a fast-track
      // node is no longer live; what it had pre-staged is no longer vouched for).
      const gone = actual === "power off" && (node.agent_url || hasPrestage(node.driver_internal_info))
        ? { ...WIPE_AGENT, driver_internal_info: withoutPrestage(node.driver_internal_info) }
        : {};
      ctx.store.nodes.update(node.uuid, { power_state: actual, ...gone });
      recordHistory(ctx, node.uuid, "INFO", "monitoring", `During sync_power_state, node ${node.uuid} state does not match expected state '${node.power_state}'. Updating recorded state to '${actual}'.`);
      ctx.log.warn(
        { node: node.uuid, previous: node.power_state, power_state: actual, event: "power_state_corrected" },
        "During sync_power_state, node power state changed outside the conductor; updated the recorded state",
      );
      return "corrected";
    });
  }

  async function recoverNode(before: NodeRecord): Promise<SyncOutcome> {
    return readThenApply(before, true, async (node, read) => {
      if ("error" in read) {
        ctx.log.debug({ node: node.uuid, err: read.error }, "During power_failure_recovery, could not get power state");
        return "failed";
      }
      counts.delete(node.uuid);
      ctx.store.nodes.update(node.uuid, { power_state: read.state, maintenance: false, maintenance_reason: null, fault: null });
      recordHistory(ctx, node.uuid, "INFO", "monitoring", `Node ${node.uuid} is recovered from power failure; maintenance mode cleared.`);
      ctx.log.info({ node: node.uuid, power_state: read.state, event: "power_failure_recovered" }, "Node is recovered from power failure");
      return "recovered";
    });
  }

  async function pass(inMaintenance: boolean): Promise<Map<string, SyncOutcome>> {
    const nodes = ctx.store.nodes.list({ maintenance: inMaintenance, limit: 1_000_000 });
    // Ironic: the nodes failing most go first, to fail them fast.
    if (!inMaintenance) nodes.sort((a, b) => (counts.get(b.uuid) ?? 0) - (counts.get(a.uuid) ?? 0));
    const out = new Map<string, SyncOutcome>();
    await pool(nodes, cfg.sync_power_state_workers, async (node) => {
      try {
        out.set(node.uuid, await (inMaintenance ? recoverNode(node) : syncNode(node)));
      } catch (e) {
        // A store write failing for one node must not end the pass for the others.
        ctx.log.error({ node: node.uuid, err: e }, "power state sync of a node failed");
        out.set(node.uuid, "failed");
      }
    });
    return out;
  }

  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const p = (running ?? Promise.resolve()).catch(() => {}).then(fn);
    running = p;
    return p;
  }

  const loops = (
    [
      ["power state sync", cfg.sync_power_state_interval, false],
      ["power failure recovery", cfg.power_failure_recovery_interval, true],
    ] as const
  )
    .filter(([, intervalS]) => intervalS > 0)
    .map(([name, intervalS, inMaintenance]) =>
      createResilientLoop({ name, intervalMs: intervalS * 1000, maxBackoffMs: intervalS * MAX_BACKOFF * 1000, log: ctx.log, run: () => exclusive(() => pass(inMaintenance)) }),
    );

  return {
    start() {
      for (const l of loops) l.start();
    },
    async stop() {
      await Promise.all(loops.map((l) => l.stop()));
      await running?.catch(() => {});
    },
    syncOnce: () => exclusive(() => pass(false)),
    recoverOnce: () => exclusive(() => pass(true)),
    failures: (uuid) => counts.get(uuid) ?? 0,
  };
}
