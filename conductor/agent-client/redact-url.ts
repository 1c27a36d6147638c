/**
 * @module conductor/agent-client/redact-url
 * The agent takes its token only as `?agent_token=`, so every URL we might log is redacted.
 */

/**
 * Replaces every query value that may be a secret with `***`.
 * @example
 * redactUrl("https://10.0.0.5:9999/v1/commands/?wait=true&agent_token=abc")
 * // "https://10.0.0.5:9999/v1/commands/?wait=true&agent_token=***"
 */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:agent_token|token|password)=)[^&#]*/gi, "$1***");
}
