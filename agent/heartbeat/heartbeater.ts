/**
 * @module agent/heartbeat/heartbeater
 * Lookup (`./lookup.ts`), then heartbeat forever, as IPA: heartbeats every
 * `heartbeat_timeout * uniform(0.3, 0.6)` s, retries on errors and 409, a new lookup when the
 * node disappears (404). Nothing here ever ends the process.
 */
import type { Logger } from "../../common/logger.ts";
import type { HeartbeatBody } from "../../protocol/ramdisk-api.ts";
import type { AgentState } from "../state/agent-state.ts";
import type { IronicApiClient } from "./ironic-api-client.ts";
import { postInventoryForDiscovery } from "./discovery-post.ts";
import { lookupNode } from "./lookup.ts";

export interface HeartbeaterDeps {
  api: IronicApiClient;
  state: AgentState;
  logger: Logger;
  /** MAC addresses sent in lookup (from the inventory). */
  macs(): Promise<string[]>;
  callbackUrl: string;
  verifyCa: string | null;
  agentVersion: string;
  lookupTimeoutS: number;
  lookupIntervalS: number;
  /** `ipa-inspection-callback-url`: post the inventory there when lookup finds no node (discovery). */
  discovery?: { url: string; inventory(): Promise<unknown> };
  random?: () => number;
}

export interface Heartbeater {
  /** Runs until stop(); resolves then. */
  run(): Promise<void>;
  /** Heartbeat as soon as allowed (at least 5 s after the previous one). */
  force(): void;
  stop(): void;
}

const MIN_FORCED_INTERVAL_S = 5;
const uniform = (rand: () => number, lo: number, hi: number) => lo + (hi - lo) * rand();

/**
 * @example
 * const hb = createHeartbeater({ api, state, logger, macs, callbackUrl, ... });
 * void hb.run(); // after an async command: hb.force();
 */
export function createHeartbeater(deps: HeartbeaterDeps): Heartbeater {
  const rand = deps.random ?? Math.random;
  const log = deps.logger.child({ component: "heartbeater" });
  let stopped = false;
  let forced = false;
  let wake: (() => void) | null = null;
  let lastHeartbeat = 0;

  let stopWake: (() => void) | null = null;
  /** Sleeps; stop() always interrupts, force() only when `interruptible`. */
  const sleep = (seconds: number, interruptible: boolean) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(0, seconds * 1000));
      function done() {
        clearTimeout(timer);
        wake = null;
        stopWake = null;
        resolve();
      }
      wake = interruptible ? done : null;
      stopWake = done;
      if (stopped) done();
    });

  const lookup = () =>
    lookupNode({
      api: deps.api,
      state: deps.state,
      log,
      macs: deps.macs,
      lookupTimeoutS: deps.lookupTimeoutS,
      lookupIntervalS: deps.lookupIntervalS,
      random: rand,
      stopped: () => stopped,
      sleep: (seconds) => sleep(seconds, false),
      ...(deps.discovery ? { discover: () => discover(deps.discovery!) } : {}),
    });

  // Once per agent process, as IPA inspects once at start: a node deleted later stays deleted.
  let posted = false;
  const discover = async (d: { url: string; inventory(): Promise<unknown> }) => {
    if (posted) return;
    posted = true;
    await postInventoryForDiscovery({ api: deps.api, url: d.url, inventory: d.inventory, log, random: rand, stopped: () => stopped, sleep: (seconds) => sleep(seconds, false) });
  };

  async function heartbeatOnce(): Promise<"ok" | "gone" | "retry" | "conflict"> {
    const node = deps.state.node!;
    const body: HeartbeatBody = {
      callback_url: deps.callbackUrl,
      agent_version: deps.agentVersion,
      ...(deps.state.token ? { agent_token: deps.state.token } : {}),
      ...(deps.verifyCa ? { agent_verify_ca: deps.verifyCa } : {}),
    };
    const res = await deps.api.heartbeat(node.uuid, body);
    lastHeartbeat = performance.now();
    if (res.ok) {
      deps.state.firstHeartbeatAt ??= lastHeartbeat;
      log.debug({ node: node.uuid }, "heartbeat accepted");
      return "ok";
    }
    log.warn({ node: node.uuid, status: res.status, reason: res.reason }, "heartbeat failed");
    if (res.status === 404) return "gone";
    if (res.status === 409) return "conflict";
    return "retry";
  }

  return {
    async run() {
      while (!stopped) {
        if (!deps.state.node) {
          if (!(await lookup())) return;
        }
        let interval = 0;
        for (;;) {
          if (stopped) return;
          if (interval > 0) await sleep(interval, true);
          if (stopped) return;
          if (forced) {
            forced = false;
            const since = (performance.now() - lastHeartbeat) / 1000;
            if (since < MIN_FORCED_INTERVAL_S) await sleep(MIN_FORCED_INTERVAL_S - since, false);
          }
          const outcome = await heartbeatOnce();
          if (outcome === "gone") {
            log.warn("node no longer known to the conductor; looking it up again");
            deps.state.node = null;
            break;
          }
          interval =
            outcome === "ok"
              ? deps.state.heartbeatTimeoutS * uniform(rand, 0.3, 0.6)
              : outcome === "conflict"
                ? uniform(rand, 5, 10)
                : 5 * uniform(rand, 1, 2);
        }
      }
    },
    force() {
      forced = true;
      wake?.();
    },
    stop() {
      stopped = true;
      stopWake?.();
    },
  };
}
