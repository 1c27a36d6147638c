/**
 * @module agent/heartbeat/heartbeater
 * Lookup, then heartbeat forever, as IPA: randomized exponential backoff for lookup,
 * heartbeats every `heartbeat_timeout * uniform(0.3, 0.6)` s, retries on errors and 409,
 * a new lookup when the node disappears (404). Nothing here ever ends the process.
 */
import type { Logger } from "../../common/logger.ts";
import type { HeartbeatBody } from "../../protocol/ramdisk-api.ts";
import { MASKED_TOKEN, MIN_TOKEN_LENGTH, type AgentState } from "../state/agent-state.ts";
import type { IronicApiClient } from "./ironic-api-client.ts";

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

  async function lookup(): Promise<boolean> {
    const started = performance.now();
    let attempt = 0;
    let warned = false;
    while (!stopped) {
      attempt++;
      const macs = await deps.macs().catch(() => [] as string[]);
      const nodeUuid = deps.state.node?.uuid ?? null;
      const res = await deps.api.lookup(macs, nodeUuid);
      if (res.ok) {
        const { node, config } = res.value;
        const token = config.agent_token;
        if (token && token !== MASKED_TOKEN && token.length >= MIN_TOKEN_LENGTH) {
          deps.state.token = token;
        } else if (token === MASKED_TOKEN && !deps.state.token) {
          log.error({ node: node.uuid }, "the conductor already issued this node's agent token to someone else; retrying lookup");
          await sleep(uniform(rand, 5, 10) * Math.min(attempt, 6), false);
          continue;
        }
        deps.state.node = node;
        deps.state.heartbeatTimeoutS = config.heartbeat_timeout;
        deps.state.md5Allowed = Boolean(config.agent_md5_checksum_enable);
        if (config.permitted_image_formats?.length) deps.state.permittedImageFormats = Object.freeze([...config.permitted_image_formats]);
        log.info({ node: node.uuid, attempts: attempt, heartbeat_timeout: config.heartbeat_timeout }, "lookup succeeded");
        return true;
      }
      const elapsed = (performance.now() - started) / 1000;
      if (!warned && elapsed > deps.lookupTimeoutS) {
        warned = true;
        log.error({ elapsed_s: Math.round(elapsed), reason: res.reason }, "lookup timed out; still retrying");
      }
      let delay: number;
      if (res.status === 409) delay = [5, 10, 30][Math.min(attempt - 1, 2)]!;
      else {
        // tenacity's wait_random_exponential(min=interval, max=60)
        const high = Math.min(60, Math.max(deps.lookupIntervalS, 2 ** (attempt - 1)));
        delay = uniform(rand, deps.lookupIntervalS, high);
      }
      log.info({ status: res.status, reason: res.reason, retry_in_s: Number(delay.toFixed(2)) }, "lookup failed");
      await sleep(delay, false);
    }
    return false;
  }

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
