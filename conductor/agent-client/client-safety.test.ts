import { afterAll, expect, test } from "bun:test";
import { createSilentLogger } from "../../common/logger.ts";
import { createAgentClient } from "./client.ts";

let hits = 0;
const target = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => { hits++; return Response.json({ command_name: "x", command_status: "SUCCEEDED" }); } });
const agent = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch(req) {
    const path = new URL(req.url).pathname;
    if (req.url.includes("wait=true")) return new Response(null, { status: 302, headers: { Location: `http://127.0.0.1:${target.port}/v1/commands/` } });
    if (path.endsWith("/commands/") && req.method === "GET") return new Response("x".repeat(17 * 1024 * 1024));
    return Response.json({ faultstring: `bad\u0000 password=hunter2 ${"y".repeat(5000)}` }, { status: 400 });
  },
});
afterAll(() => {
  agent.stop(true);
  target.stop(true);
});

const client = createAgentClient({ logger: createSilentLogger(), commandTimeoutS: 5, maxAttempts: 1 });
const node = (agent_url: string) => ({ uuid: "u1", agent_url, agent_token: "t".repeat(43), agent_verify_ca: null });

test("a redirect from the agent is not followed", async () => {
  await expect(client.execute(node(`http://127.0.0.1:${agent.port}`), "deploy.get_deploy_steps", {}, { wait: true })).rejects.toThrow(/HTTP 302: redirects are not followed/);
  expect(hits).toBe(0);
});

test("an answer larger than the bound is not read whole", async () => {
  await expect(client.listCommands(node(`http://127.0.0.1:${agent.port}`))).rejects.toThrow(/larger than/);
});

test("an error's fault string is quoted bounded, without control characters or secrets", async () => {
  const e = (await client.execute(node(`http://127.0.0.1:${agent.port}`), "deploy.x", {}).catch((x) => x)) as Error;
  expect(e.message).toContain("HTTP 400: bad password=******");
  expect(e.message).not.toContain("\u0000");
  expect(e.message.length).toBeLessThan(400);
});

test("a recorded agent URL that is not http(s)://host:port is never fetched", async () => {
  for (const url of ["file:///etc/hostname", "data:application/json,{}", `http://u:p@127.0.0.1:${target.port}`]) {
    await expect(client.listCommands(node(url))).rejects.toThrow(/not http\(s\)/);
  }
  expect(hits).toBe(0);
});
