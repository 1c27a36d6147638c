/**
 * @module conductor/api/http-entry
 * What Bun.serve calls: the request guard (Host, header size) in front of the Hono app, and
 * an `error` handler for anything that escapes it, both answering in Ironic's error body.
 */
import type { Hono } from "hono";
import { guardRequest, originOf } from "../../common/http-guard.ts";
import type { Logger } from "../../common/logger.ts";
import { ironicErrorBody } from "../../protocol/ironic-api.ts";
import type { ApiEnv } from "./env.ts";

export interface HttpEntry {
  fetch(request: Request): Response | Promise<Response>;
  error(error: Error): Response;
}

/**
 * @example
 * const entry = createHttpEntry(createApiApp(ctx), config.public_url, log);
 * Bun.serve({ port: 6385, fetch: entry.fetch, error: entry.error });
 */
export function createHttpEntry(app: Hono<ApiEnv>, publicUrl: string, log: Logger): HttpEntry {
  const origin = originOf(publicUrl);
  return {
    fetch(request) {
      const g = guardRequest(request, { origin });
      if (!g.ok) {
        log.info({ method: request.method, status: g.status, reason: g.message }, "request refused");
        return Response.json(ironicErrorBody(g.message, g.status), { status: g.status });
      }
      return app.fetch(g.request);
    },
    error(error) {
      log.error({ err: error }, "unhandled error");
      return Response.json(ironicErrorBody("Internal server error.", 500), { status: 500 });
    },
  };
}
