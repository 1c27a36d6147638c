/**
 * @module conductor/agent-client/client
 * Talks to an agent's command API (IPA's, port 9999): `POST /v1/commands/` and
 * `GET /v1/commands/`. Verifies https agents against the node's pinned `agent_verify_ca`,
 * sends the token only as `?agent_token=` and never logs it, and retries lost responses the
 * way Ironic does (if the command we sent is already the agent's last one, it was received).
 * It calls only http(s) agent URLs, follows no redirect, reads at most 16 MiB, and quotes
 * from an error answer only its parsed, bounded fault string.
 */
import { MAX_AGENT_JSON_DEPTH, withinJsonDepth } from "../../common/json-depth.ts";
import type { Logger } from "../../common/logger.ts";
import { CommandListSchema, CommandResultSchema, type CommandResult } from "../../protocol/agent-commands.ts";
import { conductorError } from "../errors.ts";
import { maskSecretsInText } from "../../common/secrets.ts";
import { isCallableAgentUrl } from "./callback-url.ts";
import { redactUrl } from "./redact-url.ts";

export interface AgentTarget {
  uuid: string;
  agent_url: string | null;
  agent_token: string | null;
  agent_verify_ca: string | null;
}

export interface AgentClientOptions {
  logger: Logger;
  commandTimeoutS: number;
  maxAttempts: number;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

export interface AgentClient {
  /** Sends `<extension>.<command>`; with `wait`, the agent answers when the command ends. */
  execute(node: AgentTarget, name: string, params: Record<string, unknown>, options?: { wait?: boolean }): Promise<CommandResult>;
  /**
   * All command results the agent holds, oldest first. `timeoutS` bounds this one request
   * (a liveness probe wants seconds, not the command timeout: a gone agent's address is silent).
   */
  listCommands(node: AgentTarget, opts?: { timeoutS?: number }): Promise<CommandResult[]>;
}

class ConnectionFailure extends Error {}

/** Largest command response read (an inventory with many disks is well below it). */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/**
 * Agent-supplied text fit for last_error and logs: control characters removed, secrets
 * masked, at most `max` characters.
 * @example
 * agentText("disk\u0000 failed", 100); // "disk failed"
 */
export function agentText(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = maskSecretsInText(text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ""));
  return clean.length > max ? `${clean.slice(0, max)}...` : clean;
}

/** The WSME fault string IPA answers errors with; nothing else of a foreign body is quoted. */
function faultOf(json: unknown): string | null {
  const f = json && typeof json === "object" ? (json as { faultstring?: unknown }).faultstring : undefined;
  return typeof f === "string" ? agentText(f, 300) : null;
}

/** The body as text, or null when it is larger than `max` bytes (reading stops there). */
async function readBounded(res: Response, max: number): Promise<string | null> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/**
 * Creates an agent client.
 * @example
 * const agent = createAgentClient({ logger, commandTimeoutS: 60, maxAttempts: 3 });
 * const r = await agent.execute(node, "deploy.get_deploy_steps", { node: view, ports }, { wait: true });
 */
export function createAgentClient(options: AgentClientOptions): AgentClient {
  const doFetch = options.fetch ?? fetch;
  const log = options.logger;

  function urlFor(node: AgentTarget, query: Record<string, string>): string {
    if (!node.agent_url) throw conductorError("AGENT_UNREACHABLE", { url: "(none)", reason: "the agent has not heartbeated yet" });
    // Heartbeats check the callback URL; this guards what an older store may hold.
    if (!isCallableAgentUrl(node.agent_url)) throw conductorError("AGENT_UNREACHABLE", { url: "(refused)", reason: "the recorded agent URL is not http(s)://address:port" });
    if (!node.agent_token) throw conductorError("AGENT_UNREACHABLE", { url: node.agent_url, reason: "no agent token" });
    const qs = new URLSearchParams({ ...query, agent_token: node.agent_token });
    return `${node.agent_url.replace(/\/+$/, "")}/v1/commands/?${qs}`;
  }

  async function request(node: AgentTarget, method: "GET" | "POST", url: string, body?: unknown, timeoutS = options.commandTimeoutS) {
    const init: RequestInit & { tls?: Record<string, unknown> } = {
      method,
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutS * 1000),
      redirect: "manual",
    };
    if (url.startsWith("https:")) {
      // Pinned per node: only the certificate the agent sent with its first heartbeat is trusted.
      if (!node.agent_verify_ca) throw conductorError("AGENT_UNREACHABLE", { url: redactUrl(url), reason: "https agent without agent_verify_ca" });
      init.tls = { ca: node.agent_verify_ca, rejectUnauthorized: true };
    }
    let res: Response;
    try {
      res = await doFetch(url, init);
    } catch (e) {
      throw new ConnectionFailure(agentText((e as Error).message, 300));
    }
    // An agent answers itself: a redirect would let it send the conductor (and the token) elsewhere.
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      throw conductorError("AGENT_COMMAND_FAILED", { command: method, reason: `HTTP ${res.status}: redirects are not followed` });
    }
    const text = await readBounded(res, MAX_RESPONSE_BYTES);
    if (text === null) throw conductorError("AGENT_COMMAND_FAILED", { command: method, reason: `HTTP ${res.status}: response larger than ${MAX_RESPONSE_BYTES} bytes` });
    // What the agent answers is stored (step lists, results): it must nest no deeper than an
    // agent command may, or listing the node would later overflow the stack.
    if (!withinJsonDepth(text, MAX_AGENT_JSON_DEPTH)) {
      throw conductorError("AGENT_COMMAND_FAILED", { command: method, reason: `the answer nests deeper than ${MAX_AGENT_JSON_DEPTH} levels` });
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!res.ok) {
      const fault = faultOf(json);
      if (res.status === 409 || /agent is busy/i.test(fault ?? "")) throw conductorError("AGENT_BUSY");
      // Only a parsed fault is quoted, bounded: whatever else the callback URL answered stays out of last_error.
      const what = fault ?? (json === null ? `a non-JSON body of ${text.length} bytes` : "no faultstring");
      throw conductorError("AGENT_COMMAND_FAILED", { command: method, reason: `HTTP ${res.status}: ${what}` });
    }
    return json;
  }

  async function listCommands(node: AgentTarget, opts: { timeoutS?: number } = {}): Promise<CommandResult[]> {
    const url = urlFor(node, {});
    try {
      return CommandListSchema.parse(await request(node, "GET", url, undefined, opts.timeoutS)).commands;
    } catch (e) {
      if (e instanceof ConnectionFailure) throw conductorError("AGENT_UNREACHABLE", { url: redactUrl(url), reason: e.message });
      throw e;
    }
  }

  return {
    listCommands,
    async execute(node, name, params, opts = {}) {
      const url = urlFor(node, opts.wait ? { wait: "true" } : {});
      const shortName = name.slice(name.indexOf(".") + 1);
      let lastError = "";
      for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
        log.debug({ node: node.uuid, command: name, url: redactUrl(url), attempt }, "agent command");
        try {
          const json = await request(node, "POST", url, { name, params });
          return CommandResultSchema.parse(json);
        } catch (e) {
          if (!(e instanceof ConnectionFailure)) throw e;
          lastError = e.message;
          log.warn({ node: node.uuid, command: name, url: redactUrl(url), attempt, err: e }, "agent command lost; checking");
          // The response may have been lost after the agent accepted the command.
          try {
            const last = (await listCommands(node)).at(-1);
            if (last && last.command_name === shortName && (last.command_status === "RUNNING")) return last;
          } catch {
            // agent still unreachable: retry the command itself
          }
        }
      }
      throw conductorError("AGENT_UNREACHABLE", { url: redactUrl(url), reason: lastError });
    },
  };
}
