/**
 * @module test/support/stand-in-conductor
 * A minimal conductor for agent tests: version discovery, lookup and heartbeat as Ironic
 * serves them, with knobs to make it fail, and a record of everything the agent sent.
 */
import { randomBytes } from "node:crypto";

export interface RecordedHeartbeat {
  at: number;
  node: string;
  body: Record<string, unknown>;
  version: string | null;
}

export interface StandInConductor {
  url: string;
  nodeUuid: string;
  token: string;
  heartbeats: RecordedHeartbeat[];
  lookups: Array<{ at: number; query: Record<string, string>; version: string | null }>;
  /** Responses to force for the next heartbeats (e.g. [409, 404]). */
  failNextHeartbeats: number[];
  /** Lookups answered 404 before one succeeds. */
  failLookups: number;
  heartbeatTimeout: number;
  waitForHeartbeats(n: number, timeoutMs?: number): Promise<RecordedHeartbeat[]>;
  stop(): void;
}

export function startStandInConductor(options: { heartbeatTimeout?: number; version?: string } = {}): StandInConductor {
  const nodeUuid = crypto.randomUUID();
  const token = randomBytes(32).toString("base64url"); // 43 chars, as Ironic's token_urlsafe()
  let tokenIssued = false;
  const state: Omit<StandInConductor, "url" | "stop" | "waitForHeartbeats"> = {
    nodeUuid,
    token,
    heartbeats: [],
    lookups: [],
    failNextHeartbeats: [],
    failLookups: 0,
    heartbeatTimeout: options.heartbeatTimeout ?? 300,
  };
  const version = options.version ?? "1.82";
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const apiVersion = req.headers.get("X-OpenStack-Ironic-API-Version");
      if (req.method === "GET" && url.pathname === "/") {
        return Response.json({
          name: "OpenStack Ironic API",
          versions: [{ id: "v1", version, min_version: "1.1", status: "CURRENT" }],
          default_version: { id: "v1", version, min_version: "1.1", status: "CURRENT" },
        });
      }
      if (req.method === "GET" && url.pathname === "/v1/lookup") {
        state.lookups.push({ at: performance.now(), query: Object.fromEntries(url.searchParams), version: apiVersion });
        if (state.failLookups > 0) {
          state.failLookups--;
          return Response.json({ error_message: JSON.stringify({ faultstring: "Node not found", faultcode: "Client" }) }, { status: 404 });
        }
        const agentToken = tokenIssued ? "******" : token;
        tokenIssued = true;
        return Response.json({
          node: { uuid: nodeUuid, properties: {}, instance_info: {}, driver_internal_info: {} },
          config: { heartbeat_timeout: state.heartbeatTimeout, agent_token: agentToken, agent_token_required: true },
        });
      }
      const hb = /^\/v1\/heartbeat\/([^/]+)$/.exec(url.pathname);
      if (req.method === "POST" && hb) {
        const body = (await req.json()) as Record<string, unknown>;
        state.heartbeats.push({ at: performance.now(), node: hb[1]!, body, version: apiVersion });
        const forced = state.failNextHeartbeats.shift();
        if (forced) {
          if (forced === 404) tokenIssued = false; // the node "came back": a new lookup gets the token again
          return Response.json({ error_message: JSON.stringify({ faultstring: `forced ${forced}` }) }, { status: forced });
        }
        if (body.agent_token !== token) return Response.json({ error_message: "bad token" }, { status: 400 });
        return new Response(null, { status: 202 });
      }
      return new Response("not found", { status: 404 });
    },
  });
  const self: StandInConductor = Object.assign(state, {
    url: `http://127.0.0.1:${server.port}`,
    stop: () => server.stop(true),
    async waitForHeartbeats(n: number, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (state.heartbeats.length < n) {
        if (Date.now() > deadline) throw new Error(`only ${state.heartbeats.length} of ${n} heartbeats arrived`);
        await Bun.sleep(50);
      }
      return state.heartbeats;
    },
  });
  return self;
}
