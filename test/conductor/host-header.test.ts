/**
 * The Host header over raw sockets (fetch always sets one): missing, empty or malformed Host
 * never gives a 500 or a misrouted request, and links (`links`, `next`, `Location`) come from
 * `public_url`, never from Host.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";
import { rawRequest } from "./helpers/raw-http.ts";

const PUBLIC = "http://teeth-public.test:6385";
let tc: TestConductor;
let port: number;
beforeAll(async () => {
  tc = await startTestConductor({ public_url: PUBLIC });
  port = Number(new URL(tc.url).port);
  for (const name of ["h-1", "h-2", "h-3"]) await tc.api("POST", "/v1/nodes", { name, driver: "fake-hardware" });
});
afterAll(() => tc.stop());

const V = "X-OpenStack-Ironic-API-Version: 1.82\r\n";

function hrefs(doc: unknown): string[] {
  return JSON.stringify(doc).match(/https?:\/\/[^"]+/g) ?? [];
}

test("HTTP/1.0 without Host: version document served, links from public_url", async () => {
  const a = await rawRequest(port, "GET / HTTP/1.0\r\n\r\n");
  expect(a.status).toBe(200);
  expect(a.json.default_version.links[0].href).toBe(`${PUBLIC}/v1/`);
});

test("HTTP/1.0 without Host is routed by its real path (/v1/nodes, not /nodes)", async () => {
  const a = await rawRequest(port, `GET /v1/nodes HTTP/1.0\r\n${V}\r\n`);
  expect(a.status).toBe(200);
  expect(a.json.nodes.map((n: any) => n.name).sort()).toEqual(["h-1", "h-2", "h-3"]);
  expect(new Set(hrefs(a.json).map((h) => new URL(h).origin))).toEqual(new Set([PUBLIC]));
  const detail = await rawRequest(port, `GET /v1/nodes/detail?limit=1 HTTP/1.0\r\n${V}\r\n`);
  expect(detail.status).toBe(200);
  expect(detail.json.next.startsWith(`${PUBLIC}/v1/nodes/detail?`)).toBe(true);
});

test("an empty Host is legal and served", async () => {
  const a = await rawRequest(port, `GET /v1 HTTP/1.1\r\nHost:\r\n${V}Connection: close\r\n\r\n`);
  expect(a.status).toBe(200);
  expect(a.json.links[0].href).toBe(`${PUBLIC}/v1/`);
});

test("a malformed Host is a 400 in Ironic's error body, never a 500", async () => {
  for (const host of ["[::1", "a:99999", "a b", "a/b", "x?y", "a, b", "[::1]:70000", "@"]) {
    const a = await rawRequest(port, `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    expect({ host, status: a.status }).toEqual({ host, status: 400 });
    expect(JSON.parse(a.json.error_message)).toMatchObject({ faultcode: "Client", debuginfo: null });
  }
  // Two Host lines are refused as well (RFC 9112: more than one Host is a 400).
  const two = await rawRequest(port, `GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n`);
  expect(two.status).toBe(400);
});

test("Host: evil.example is never copied into links, next or Location", async () => {
  const evil = `Host: evil.example\r\n${V}Connection: close\r\n`;
  const answers = [
    await rawRequest(port, `GET / HTTP/1.1\r\n${evil}\r\n`),
    await rawRequest(port, `GET /v1 HTTP/1.1\r\n${evil}\r\n`),
    await rawRequest(port, `GET /v1/nodes?limit=1 HTTP/1.1\r\n${evil}\r\n`),
    await rawRequest(port, `GET /v1/nodes/detail?limit=2 HTTP/1.1\r\n${evil}\r\n`),
    await rawRequest(port, `GET /v1/nodes/h-1 HTTP/1.1\r\n${evil}\r\n`),
    await rawRequest(port, `GET /v1/nodes/h-1/states HTTP/1.1\r\n${evil}\r\n`),
  ];
  const body = JSON.stringify({ name: "h-evil", driver: "fake-hardware" });
  const created = await rawRequest(port, `POST /v1/nodes HTTP/1.1\r\n${evil}Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  expect(created.status).toBe(201);
  answers.push(created);
  const power = JSON.stringify({ target: "power on" });
  const put = await rawRequest(port, `PUT /v1/nodes/h-evil/states/power HTTP/1.1\r\n${evil}Content-Type: application/json\r\nContent-Length: ${power.length}\r\n\r\n${power}`);
  expect(put.status).toBe(202);
  answers.push(put);
  for (const a of answers) {
    expect(a.status).toBeLessThan(300);
    expect(JSON.stringify(a)).not.toContain("evil.example");
  }
  expect(answers[2]!.json.next.startsWith(`${PUBLIC}/v1/nodes?`)).toBe(true);
  expect(created.headers.location).toBe(`${PUBLIC}/v1/nodes/${created.json.uuid}`);
  expect(put.headers.location).toBe(`${PUBLIC}/v1/nodes/h-evil/states`);
});

test("a POST with a body and no Host reaches its route with the body intact", async () => {
  const body = JSON.stringify({ name: "h-nohost", driver: "fake-hardware" });
  const a = await rawRequest(port, `POST /v1/nodes HTTP/1.0\r\n${V}Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  expect(a.status).toBe(201);
  expect(a.json.name).toBe("h-nohost");
  expect(a.headers.location).toBe(`${PUBLIC}/v1/nodes/${a.json.uuid}`);
});
