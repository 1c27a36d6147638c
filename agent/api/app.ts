/**
 * @module agent/api/app
 * The command API (port 9999) on Hono, route for route as ironic-python-agent serves it.
 */
import { Hono, type Context } from "hono";
import { parseBooleanString } from "../../common/boolean-string.ts";
import type { Logger } from "../../common/logger.ts";
import { secretsEqual } from "../../common/timing-safe-equal.ts";
import { describeZodError } from "../../common/zod-issues.ts";
import { CommandRequestSchema, type AgentStatus } from "../../protocol/agent-commands.ts";
import type { CommandRunner } from "../commands/command-runner.ts";
import { AgentErrors } from "../errors.ts";
import { renderFault } from "./faults.ts";
import { readJsonBody } from "./read-json-body.ts";

export interface AgentAppDeps {
  runner: CommandRunner;
  /** The current agent token, or null when none has been issued yet (then every command is refused). */
  token(): string | null;
  status(): AgentStatus;
  logger: Logger;
  /**
   * Base of the links in `/` and `/v1` (the agent's callback URL), never the request's Host,
   * which the caller chooses; without it links are relative.
   */
  publicUrl?: () => string;
  /** Largest accepted body. A 64 MiB configdrive, base64, inside a step fits under the default. */
  bodyLimit?: number;
}

const DEFAULT_BODY_LIMIT = 96 * 1024 * 1024;

/** `?wait=true` (any of oslo's true words); anything else, or no value, is false. */
function truthy(v: string | undefined): boolean {
  return v !== undefined && parseBooleanString(v) === true;
}


/**
 * @example
 * const app = createAgentApp({ runner, token: () => state.token, status: () => s, logger });
 * Bun.serve({ port: 9999, fetch: app.fetch });
 */
export function createAgentApp(deps: AgentAppDeps): Hono {
  const limit = deps.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = new Hono({ strict: false });
  const links = (_c: Context, path: string) => [{ href: `${deps.publicUrl?.() ?? ""}${path}`, rel: "self" }];

  app.onError((error, c) => {
    const status = (error as { status?: number }).status ?? 500;
    if (status >= 500) deps.logger.error({ err: error, path: c.req.path }, "request failed");
    else deps.logger.debug({ path: c.req.path, status, msg: error.message }, "request refused");
    return renderFault(c, error);
  });
  app.notFound((c) => renderFault(c, AgentErrors.notFound(c.req.path)));

  const requireToken = (c: Context) => {
    if (!secretsEqual(deps.token(), c.req.query("agent_token"))) throw AgentErrors.tokenInvalid();
  };
  // IPA's rule for reads: Ironic before 2023 polls GET /v1/commands/ without the token, so
  // reads need it only once some read has carried one (IPA's security_get_token_support).
  // From then on a token-less read is refused, and every command (POST) always needs it.
  let readsCarryToken = false;
  const requireTokenForRead = (c: Context) => {
    if (c.req.query("agent_token") !== undefined) {
      requireToken(c);
      readsCarryToken = true;
    } else if (readsCarryToken || !deps.token()) {
      throw AgentErrors.tokenInvalid();
    }
  };

  const root = (c: Context) =>
    c.json({
      name: "OpenStack Ironic Python Agent API",
      description: "Ironic Python Agent is a provisioning agent for OpenStack Ironic (Teeth implementation)",
      versions: [{ id: "v1", links: links(c, "/v1/") }],
      default_version: { id: "v1", links: links(c, "/v1/") },
    });
  const v1 = (c: Context) =>
    c.json({
      id: "v1",
      links: links(c, "/v1/"),
      media_types: [{ base: "application/json", type: "application/vnd.openstack.ironic-python-agent.v1+json" }],
      commands: links(c, "/v1/commands/"),
      status: links(c, "/v1/status/"),
    });
  const status = (c: Context) => c.json(deps.status());
  const listCommands = (c: Context) => {
    requireTokenForRead(c);
    return c.json({ commands: deps.runner.list() });
  };
  const getCommand = async (c: Context) => {
    requireTokenForRead(c);
    const id = c.req.param("id") ?? "";
    const handle = deps.runner.get(id);
    if (!handle) throw AgentErrors.resultNotFound(id.slice(0, 64));
    return c.json(truthy(c.req.query("wait")) ? await handle.wait() : handle.result);
  };
  const postCommand = async (c: Context) => {
    requireToken(c);
    const body = await readJsonBody(c.req.raw, limit);
    const parsed = CommandRequestSchema.safeParse(body);
    if (!parsed.success) {
      throw AgentErrors.badBody(describeZodError(parsed.error, { root: "body", limit: Infinity }));
    }
    const handle = await deps.runner.execute(parsed.data.name, parsed.data.params);
    return c.json(truthy(c.req.query("wait")) ? await handle.wait() : handle.result);
  };

  for (const prefix of ["", "/v1"]) {
    app.get(`${prefix}/status`, status);
    app.get(`${prefix}/commands`, listCommands);
    app.get(`${prefix}/commands/:id`, getCommand);
    app.post(`${prefix}/commands`, postCommand);
  }
  app.get("/", root);
  app.get("/v1", v1);
  app.all("*", (c) => {
    // Known paths with the wrong method are a 405, everything else a 404.
    if (/^\/(v1\/?)?(status|commands)(\/|$)/.test(c.req.path) || c.req.path === "/" || c.req.path === "/v1") {
      throw AgentErrors.methodNotAllowed(c.req.method);
    }
    throw AgentErrors.notFound(c.req.path);
  });
  return app;
}
