/**
 * @module agent/heartbeat/discovery-post
 * Discovery, the agent's half: when lookup finds no node and `ipa-inspection-callback-url`
 * is set, the inventory is posted there once, as IPA's inspector does, so the conductor can
 * enroll the server. A failed connection, a 5xx or a 429 is retried with backoff; any other
 * answer is final (the conductor refused or already knows the server). Lookup goes on either way.
 */
import type { Logger } from "../../common/logger.ts";
import type { IronicApiClient } from "./ironic-api-client.ts";

export interface DiscoveryPostDeps {
  api: IronicApiClient;
  url: string;
  inventory(): Promise<unknown>;
  log: Logger;
  random: () => number;
  stopped(): boolean;
  sleep(seconds: number): Promise<void>;
  /** Attempts before giving up (the default 6 spans about two minutes). */
  attempts?: number;
}

/** What the post came to: `posted` (with the node's UUID when the answer had it), `refused` or `gave_up`. */
export type DiscoveryPostOutcome = { kind: "posted"; uuid: string | null } | { kind: "refused"; status: number; reason: string } | { kind: "gave_up"; reason: string };

const retryable = (status: number | null) => status === null || status === 429 || status === 408 || status >= 500;

/**
 * @example
 * const out = await postInventoryForDiscovery({ api, url: "http://10.0.0.1:6385/v1/continue_inspection", inventory, log, random: Math.random, stopped, sleep });
 */
export async function postInventoryForDiscovery(deps: DiscoveryPostDeps): Promise<DiscoveryPostOutcome> {
  const attempts = deps.attempts ?? 6;
  let reason = "stopped";
  for (let attempt = 1; attempt <= attempts && !deps.stopped(); attempt++) {
    let inventory: unknown;
    try {
      inventory = await deps.inventory();
    } catch (error) {
      reason = `inventory collection failed: ${(error as Error).message}`;
      deps.log.error({ reason }, "discovery: cannot post the inventory");
      return { kind: "gave_up", reason };
    }
    const res = await deps.api.postInventory(deps.url, inventory);
    if (res.ok) {
      deps.log.info({ node: res.value, attempts: attempt }, "discovery: inventory posted; looking up until the node may be used");
      return { kind: "posted", uuid: res.value };
    }
    reason = res.reason;
    if (!retryable(res.status)) {
      deps.log.warn({ status: res.status, reason: res.reason }, "discovery: the conductor refused the inventory; looking up only");
      return { kind: "refused", status: res.status!, reason: res.reason };
    }
    // 2, 4, 8 ... s (capped at 60), randomized by up to half, so a rack that powered on together spreads out
    const delay = Math.min(60, 2 ** attempt) * (0.5 + deps.random() / 2);
    deps.log.warn({ status: res.status, reason: res.reason, retry_in_s: Number(delay.toFixed(2)) }, "discovery: posting the inventory failed");
    if (attempt < attempts) await deps.sleep(delay);
  }
  deps.log.error({ reason }, "discovery: gave up posting the inventory; looking up only");
  return { kind: "gave_up", reason };
}
