/**
 * @module common/timing-safe-equal
 * Compares secrets (agent tokens, API tokens) in time that does not depend on where they
 * differ, so a caller cannot guess a token byte by byte from response times.
 */
import { timingSafeEqual } from "node:crypto";

/**
 * @example
 * if (!secretsEqual(state.token, query.agent_token)) throw AgentErrors.tokenInvalid();
 */
export function secretsEqual(expected: string | null | undefined, given: string | null | undefined): boolean {
  if (!expected || !given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  // Lengths differ: not equal; the length of a token is not the secret.
  return a.length === b.length && timingSafeEqual(a, b);
}
