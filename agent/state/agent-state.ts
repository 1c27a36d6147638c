/**
 * @module agent/state/agent-state
 * What the agent learned from the conductor: node, token, heartbeat timeout. One mutable
 * object owned by the agent, read by the API (token) and the managers (node).
 */
import type { LookupNode } from "../../protocol/ramdisk-api.ts";

export interface AgentState {
  node: LookupNode | null;
  /** The one-time agent token (from lookup or `ipa-agent-token`). */
  token: string | null;
  heartbeatTimeoutS: number;
  md5Allowed: boolean;
  /** The conductor's `permitted_image_formats` from lookup; null until then (IPA's default applies). */
  permittedImageFormats: readonly string[] | null;
  lockedDown: boolean;
  /** performance.now() of the first accepted heartbeat, for start-up timing. */
  firstHeartbeatAt: number | null;
}

export function createAgentState(initialToken: string | null): AgentState {
  return {
    node: null,
    token: initialToken,
    heartbeatTimeoutS: 300,
    md5Allowed: false,
    permittedImageFormats: null,
    lockedDown: false,
    firstHeartbeatAt: null,
  };
}

/** IPA accepts tokens of 32+ characters; "******" means "already issued to someone". */
export const MASKED_TOKEN = "******";
export const MIN_TOKEN_LENGTH = 32;
