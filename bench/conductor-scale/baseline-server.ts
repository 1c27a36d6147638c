/**
 * @module bench/conductor-scale/baseline-server
 * The transport ceiling for the conductor-scale benchmark: the most direct server that answers
 * what load.ts and hb-worker.ts send, on `Bun.serve` with in-memory Maps. No validation library,
 * no database, no logging, no state machine: enrollment just records the node and its MAC,
 * a lookup hands out a token, a heartbeat parses its JSON body, checks the token and answers 202.
 * Whatever the conductor spends above this, per heartbeat, is its own cost.
 * Usage: bun baseline-server.ts HOST:PORT
 */
const [listen] = process.argv.slice(2);
if (!listen) throw new Error("usage: baseline-server.ts HOST:PORT");
const colon = listen.lastIndexOf(":");

interface Node { uuid: string; token: string }
const nodes = new Map<string, Node>();
const byMac = new Map<string, Node>();
const json = (body: unknown, status = 200) => Response.json(body, { status });
const accepted = () => new Response(null, { status: 202 });

Bun.serve({
  hostname: listen.slice(0, colon),
  port: Number(listen.slice(colon + 1)),
  async fetch(req) {
    const u = new URL(req.url);
    const p = u.pathname;
    if (req.method === "POST" && p.startsWith("/v1/heartbeat/")) {
      const node = nodes.get(p.slice(14));
      if (!node) return json({ error_message: "not found" }, 404);
      const body = (await req.json()) as { agent_token?: string };
      if (body.agent_token !== node.token) return json({ error_message: "invalid token" }, 401);
      return accepted();
    }
    if (req.method === "GET" && p === "/v1/lookup") {
      for (const a of (u.searchParams.get("addresses") ?? "").split(",")) {
        const node = byMac.get(a.toLowerCase());
        if (node) return json({ node: { uuid: node.uuid }, config: { agent_token: node.token, heartbeat_timeout: 300 } });
      }
      return json({ error_message: "not found" }, 404);
    }
    if (req.method === "GET" && p === "/") {
      return json({ name: "baseline", versions: [{ id: "v1", status: "CURRENT", version: "1.68", min_version: "1.1" }] });
    }
    if (req.method === "POST" && p === "/v1/nodes") {
      const node = { uuid: crypto.randomUUID(), token: crypto.randomUUID() };
      nodes.set(node.uuid, node);
      return json({ uuid: node.uuid }, 201);
    }
    if (req.method === "POST" && p === "/v1/ports") {
      const body = (await req.json()) as { address: string; node_uuid: string };
      const node = nodes.get(body.node_uuid);
      if (!node) return json({ error_message: "no such node" }, 400);
      byMac.set(body.address.toLowerCase(), node);
      return json({ uuid: crypto.randomUUID(), address: body.address, node_uuid: node.uuid }, 201);
    }
    if (req.method === "PUT" && /^\/v1\/nodes\/[^/]+\/states\/provision$/.test(p)) return accepted();
    return json({ error_message: "not found" }, 404);
  },
});
