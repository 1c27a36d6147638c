/**
 * Over 1,000 malformed or hostile requests against the running binary: none may get a 5xx,
 * the agent must keep answering, and its memory must stay bounded.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect } from "node:net";
import { MAX_AGENT_JSON_DEPTH } from "../../common/json-depth.ts";
import { startAgentProcess, type AgentProcess } from "../support/agent-process.ts";

const TOKEN = "hostile-test-token-0123456789abcdefghijklmnop";
let agent: AgentProcess;

beforeAll(async () => {
  agent = await startAgentProcess(["--teeth-auto-tls=0", `--ipa-agent-token=${TOKEN}`]);
  await agent.waitForStatus();
}, 60_000);
afterAll(async () => {
  await agent?.stop();
});

/** Raw HTTP over a socket, for requests fetch refuses to send (bad paths, lying headers). */
function raw(port: number, request: string | Uint8Array): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(port, "127.0.0.1");
    let data = "";
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(data);
    }, 3000);
    sock.on("data", (d) => (data += d.toString("latin1")));
    sock.on("close", () => {
      clearTimeout(timer);
      resolve(data);
    });
    sock.on("error", () => {
      clearTimeout(timer);
      resolve(data);
    });
    sock.write(request);
    sock.end();
  });
}

function bodies(): unknown[] {
  const values: unknown[] = [null, true, 0, -1, 1e308, "", "x", [], [1, 2], {}, { a: 1 }, "\u0000", "💥".repeat(100)];
  const out: unknown[] = [];
  for (const name of values) out.push({ name });
  for (const params of values) out.push({ name: "standby.sync", params });
  for (const v of values) {
    out.push({ name: "clean.execute_clean_step", params: { step: v, node: v, ports: v } });
    out.push({ name: "deploy.execute_deploy_step", params: { step: { step: v, interface: v, args: v } } });
    out.push({ name: "clean.get_clean_steps", params: { node: v, ports: v } });
    out.push({ name: "standby.prepare_image", params: { image_info: v } });
    out.push({ name: v, params: {} });
  }
  const names = ["", ".", "a.", ".b", "..", "a.b.c", "__proto__.x", "standby.__proto__", "standby.constructor", "standby.toString",
    "constructor.name", "standby.hasOwnProperty", "x".repeat(300), "standby." + "y".repeat(10_000), "../etc.passwd", "standby.sync\u0000"];
  for (const name of names) out.push({ name, params: {} });
  out.push({ __proto__: { name: "standby.sync" } }, { name: "standby.sync", params: { __proto__: { polluted: 1 } } });
  return out;
}

test("1,000+ malformed and hostile requests: no 5xx, the agent keeps answering, memory bounded", async () => {
  const rssBefore = await agent.rssKiB();
  const statuses = new Map<number, number>();
  const record = (s: number) => statuses.set(s, (statuses.get(s) ?? 0) + 1);
  let sent = 0;
  const q = `?agent_token=${TOKEN}`;

  // 1. JSON bodies of every wrong shape, with and without the token.
  for (const body of bodies()) {
    for (const path of [`/v1/commands/${q}`, "/v1/commands/", `/commands${q}`]) {
      const r = await fetch(agent.base + path, { method: "POST", body: JSON.stringify(body) });
      await r.arrayBuffer();
      record(r.status);
      sent++;
    }
  }
  // 2. Bytes that are not JSON.
  const junk = ["{", "}", "[", "nul", '{"name":', "\u0000\u0001", "{'name': 'standby.sync'}", "1".repeat(5000), "\xff\xfe\xfd"];
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < 600; i++) {
    // Junk strings, then seeded random bytes (repeatable fuzz).
    const body = i < 100 ? junk[i % junk.length]! + i : Uint8Array.from({ length: 1 + Math.floor(rand() * 2048) }, () => Math.floor(rand() * 256));
    const r = await fetch(agent.base + `/v1/commands/${q}`, { method: "POST", body });
    await r.arrayBuffer();
    record(r.status);
    sent++;
  }
  // 3. Paths, methods, tokens.
  const paths = ["/v1/commands/../../etc/passwd", "/v1/commands/%2e%2e/%2e%2e", "//v1//commands", "/v1/commands/" + "a".repeat(8000),
    "/v1/commands/%00", "/v1/status/../commands", "/v1/commands?agent_token=" + "z".repeat(5000), "/v1/commands?agent_token[]=1",
    "/v1/commands?agent_token=" + TOKEN + "&agent_token=other", "/%", "/v1/commands/%ZZ", "/v1/commands/?wait=" + "t".repeat(100)];
  for (const method of ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]) {
    for (const path of paths) {
      const res = await raw(agent.port, `${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(res)?.[1] ?? 0);
      record(status);
      sent++;
    }
  }
  // 4. Lying or huge bodies: declared larger than the cap, and streamed past the cap.
  for (let i = 0; i < 5; i++) {
    const res = await raw(agent.port, `POST /v1/commands/${q} HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\nConnection: close\r\n\r\n{"name"`);
    record(Number(/^HTTP\/1\.1 (\d{3})/.exec(res)?.[1] ?? 0));
    sent++;
  }
  const big = new Uint8Array(100 * 1024 * 1024).fill(0x61);
  for (let i = 0; i < 3; i++) {
    const r = await fetch(agent.base + `/v1/commands/${q}`, { method: "POST", body: big }).catch(() => null);
    if (r) {
      await r.arrayBuffer();
      record(r.status);
    } else record(413); // the server may close the connection after answering 413 mid-upload
    sent++;
  }
  // 5. Valid-looking requests with a wrong Content-Type and huge nested JSON.
  const deep = "[".repeat(100_000) + "]".repeat(100_000);
  for (let i = 0; i < 20; i++) {
    const r = await fetch(agent.base + `/v1/commands/${q}`, { method: "POST", body: i % 2 ? deep : `{"name":"standby.sync","params":${deep}}`, headers: { "Content-Type": "text/plain" } });
    await r.arrayBuffer();
    record(r.status);
    sent++;
  }

  // 6. Nesting past the limit, in several depths and shapes, with the token: a 400 each, before
  //    anything recurses (JSON.stringify of a 100,000-deep params overflowed the stack).
  const depthFaults: string[] = [];
  for (const depth of [MAX_AGENT_JSON_DEPTH + 1, 500, 10_000, 100_000]) {
    const shapes = [
      "[".repeat(depth) + "]".repeat(depth),
      '{"a":'.repeat(depth) + "1" + "}".repeat(depth),
      `{"name":"standby.sync","params":${'{"p":['.repeat(Math.ceil(depth / 2))}1${"]}".repeat(Math.ceil(depth / 2))}}`,
      `{"name":"clean.execute_clean_step","params":{"step":{"args":${"[".repeat(depth)}"]]]"${"]".repeat(depth)}}}}`,
    ];
    for (const body of shapes) {
      const r = await fetch(agent.base + `/v1/commands/${q}`, { method: "POST", body });
      const fault = (await r.json().catch(() => null)) as { faultcode?: string; faultstring?: string } | null;
      record(r.status);
      sent++;
      if (r.status !== 400 || fault?.faultcode !== "Client" || !fault.faultstring?.includes("deeper")) depthFaults.push(`${depth}: ${r.status} ${JSON.stringify(fault)}`);
    }
  }
  expect(depthFaults).toEqual([]);
  // 7. Host: missing (HTTP/1.0), empty, malformed, hostile. Never a 5xx; links never echo Host.
  const hostFaults: string[] = [];
  for (const host of [null, "", "[::1", "a:99999", "a b", "evil.example"]) {
    for (const path of ["/", "/v1", "/v1/status", `/v1/commands${q}`]) {
      const line = host === null ? `GET ${path} HTTP/1.0\r\n\r\n` : `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
      const res = await raw(agent.port, line);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(res)?.[1] ?? 0);
      record(status);
      sent++;
      const valid = host === null || host === "" || host === "evil.example";
      if (status >= 500 || status === 0 || (valid && status !== 200) || (!valid && status !== 400) || res.includes("evil.example")) hostFaults.push(`${host} ${path}: ${res.slice(0, 120)}`);
    }
  }
  expect(hostFaults).toEqual([]);
  // 8. Oversized headers: a 431 in IPA's fault body (past Bun's own parser limit, Bun's bodiless 431).
  for (const size of [20_000, 100_000]) {
    const res = await raw(agent.port, `GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(size)}\r\nConnection: close\r\n\r\n`);
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(res)?.[1] ?? 0);
    record(status);
    sent++;
    expect(status).toBe(431);
    expect(res).toContain('"faultcode":"Client"');
  }

  const rssAfter = await agent.rssKiB();
  console.log(`hostile requests: ${sent}; statuses ${JSON.stringify(Object.fromEntries(statuses))}; RSS ${rssBefore} KiB -> ${rssAfter} KiB`);
  expect(sent).toBeGreaterThanOrEqual(1000);
  const fivexx = [...statuses.entries()].filter(([s]) => s >= 500 || s === 0);
  expect(fivexx).toEqual([]);
  const status = await fetch(agent.base + "/v1/status");
  expect(status.status).toBe(200);
  // The agent still runs commands after all that.
  const ok = await fetch(agent.base + `/v1/commands/${q}`, { method: "POST", body: JSON.stringify({ name: "standby.sync", params: {} }) });
  expect(((await ok.json()) as any).command_status).toBe("SUCCEEDED");
  expect(rssAfter).toBeLessThan(400 * 1024);
}, 180_000);
