/**
 * @module agent/api/faults
 * The agent API's HTTP error body, WSME-style as IPA: `{faultcode, faultstring, debuginfo}`.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { isTeethError } from "../../common/branded-error.ts";
import type { AgentFault } from "../../protocol/agent-commands.ts";

export function faultBody(status: number, message: string): AgentFault {
  return { faultcode: status >= 500 ? "Server" : "Client", faultstring: message, debuginfo: null };
}

/** Renders any thrown value; unknown errors are a 500 without internals in the body. */
export function renderFault(c: Context, error: unknown): Response {
  if (isTeethError(error)) {
    return c.json(faultBody(error.status, error.message), error.status as ContentfulStatusCode);
  }
  return c.json(faultBody(500, "Internal server error"), 500);
}
