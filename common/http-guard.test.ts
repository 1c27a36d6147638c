import { describe, expect, test } from "bun:test";
import { guardRequest, isValidHost, MAX_HEADER_BYTES } from "./http-guard.ts";

describe("isValidHost", () => {
  test("host names, IPv4, IPv6 literals, ports and the empty value are valid", () => {
    for (const h of ["", "localhost", "10.0.0.1", "10.0.0.1:6385", "[::1]", "[::1]:6385", "conductor.example:80", "a-b_c~d.e", "host:"]) expect({ h, ok: isValidHost(h) }).toEqual({ h, ok: true });
  });
  test("broken brackets, out-of-range ports, spaces, paths, queries and joined Host lines are not", () => {
    for (const h of ["[::1", "::1]", "a:99999", "a:65536", "a b", "a/b", "a?b", "a#b", "a, b", "a:1:2", "[::1]x", "a:-1"]) expect({ h, ok: isValidHost(h) }).toEqual({ h, ok: false });
  });
});

describe("guardRequest", () => {
  const origin = "http://conductor.test:6385";
  test("a relative target (no Host) is re-targeted at the origin, body and method kept", async () => {
    // Bun hands over exactly this when the request had no Host.
    const req = new Request("http://placeholder/v1/nodes?limit=1", { method: "POST", body: "{}" });
    Object.defineProperty(req, "url", { value: "/v1/nodes?limit=1" });
    const g = guardRequest(req, { origin });
    expect(g.ok).toBe(true);
    if (!g.ok) return;
    expect(g.request.url).toBe(`${origin}/v1/nodes?limit=1`);
    expect(g.request.method).toBe("POST");
    expect(await g.request.text()).toBe("{}");
  });
  test("an absolute target is passed on untouched", () => {
    const req = new Request("http://127.0.0.1:6385/v1");
    const g = guardRequest(req, { origin });
    expect(g.ok && g.request).toBe(req);
  });
  test("an invalid Host is a 400, oversized headers a 431", () => {
    const bad = guardRequest(new Request("http://x/v1", { headers: { host: "[::1" } }), { origin });
    expect(bad).toMatchObject({ ok: false, status: 400 });
    const big = guardRequest(new Request("http://x/v1", { headers: { "x-big": "a".repeat(MAX_HEADER_BYTES) } }), { origin });
    expect(big).toMatchObject({ ok: false, status: 431 });
    const small = guardRequest(new Request("http://x/v1", { headers: { "x-big": "a".repeat(MAX_HEADER_BYTES - 200) } }), { origin });
    expect(small.ok).toBe(true);
  });
});
