/**
 * @module agent/heartbeat/lookup
 * Lookup, as IPA: `GET /v1/lookup` with the machine's MACs until the conductor names the node,
 * with randomized exponential backoff (tenacity's `wait_random_exponential(min=interval,
 * max=60)`), a slower pace on 409, and a logged error (not an exit) past `lookup_timeout`.
 * On success the agent state holds the node, its token and the conductor's settings.
 * The first 404 runs `discover` once when given (discovery: the inventory is posted to the
 * conductor, which may enroll the server); lookup then goes on at its backed-off pace (up to
 * 60 s) until the operator's `manage`/`inspect` makes the node one that answers.
 */
import type { Logger } from "../../common/logger.ts";
import { MASKED_TOKEN, MIN_TOKEN_LENGTH, type AgentState } from "../state/agent-state.ts";
import type { IronicApiClient } from "./ironic-api-client.ts";

export interface LookupDeps {
  api: IronicApiClient;
  state: AgentState;
  log: Logger;
  /** MAC addresses sent in lookup (from the inventory). */
  macs(): Promise<string[]>;
  lookupTimeoutS: number;
  lookupIntervalS: number;
  random: () => number;
  /** True once the agent is stopping: lookup gives up. */
  stopped(): boolean;
  /** Sleeps `seconds`, returning early when the agent stops. */
  sleep(seconds: number): Promise<void>;
  /** Run once on the first 404 (discovery); lookup continues afterwards whatever it did. */
  discover?: () => Promise<unknown>;
}

const uniform = (rand: () => number, lo: number, hi: number) => lo + (hi - lo) * rand();

/**
 * Looks the node up until it succeeds (true) or the agent stops (false).
 * @example
 * if (await lookupNode({ api, state, log, macs, lookupTimeoutS: 600, lookupIntervalS: 1, random: Math.random, stopped, sleep })) heartbeat();
 */
export async function lookupNode(deps: LookupDeps): Promise<boolean> {
  const rand = deps.random;
  const log = deps.log;
  const started = performance.now();
  let attempt = 0;
  let warned = false;
  let discovered = !deps.discover;
  while (!deps.stopped()) {
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
        await deps.sleep(uniform(rand, 5, 10) * Math.min(attempt, 6));
        continue;
      }
      deps.state.node = node;
      deps.state.heartbeatTimeoutS = config.heartbeat_timeout;
      deps.state.md5Allowed = Boolean(config.agent_md5_checksum_enable);
      if (config.permitted_image_formats?.length) deps.state.permittedImageFormats = Object.freeze([...config.permitted_image_formats]);
      log.info({ node: node.uuid, attempts: attempt, heartbeat_timeout: config.heartbeat_timeout }, "lookup succeeded");
      return true;
    }
    if (res.status === 404 && !discovered) {
      discovered = true;
      await deps.discover!();
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
    await deps.sleep(delay);
  }
  return false;
}
