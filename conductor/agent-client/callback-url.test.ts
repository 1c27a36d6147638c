import { expect, test } from "bun:test";
import { checkCallbackUrl, isCallableAgentUrl } from "./callback-url.ts";

const lab = { requireTls: false, allowLoopback: false };

test("an agent's http(s)://address:port is accepted and normalised", () => {
  expect(checkCallbackUrl("http://10.0.0.5:9999", lab)).toEqual({ ok: true, url: "http://10.0.0.5:9999" });
  expect(checkCallbackUrl("HTTPS://10.0.0.5:9999/", lab)).toEqual({ ok: true, url: "https://10.0.0.5:9999" });
  expect(checkCallbackUrl("https://[fd00::5]:9999", lab)).toEqual({ ok: true, url: "https://[fd00::5]:9999" });
  expect(checkCallbackUrl("http://127.0.0.1:9999", { ...lab, allowLoopback: true })).toEqual({ ok: true, url: "http://127.0.0.1:9999" });
});

test("other schemes, credentials, paths, names and non-host addresses are refused", () => {
  const refused = [
    "file:///etc/passwd", "file://localhost/etc/passwd", "ftp://10.0.0.5:21", "gopher://10.0.0.5:70/_x", "data:text/plain,x", "javascript:alert(1)",
    "s3://bucket/key", "blob:http://10.0.0.5/x", "ws://10.0.0.5:9999", "http://user:pw@10.0.0.5:9999", "http://user@10.0.0.5:9999", "http://@10.0.0.5:9999",
    "http://10.0.0.5:9999/v1", "http://10.0.0.5:9999?x=1", "http://10.0.0.5:9999#f", "http://10.0.0.5:9999/?", "http://agent.example:9999",
    "http://169.254.169.254:80", "http://[::ffff:169.254.169.254]:80", "http://[fe80::1]:9999", "http://0.0.0.0:9999", "http://[::]:9999",
    "http://255.255.255.255:9999", "http://224.0.0.1:9999", "http://10.0.0.5:0", "http://10.0.0.5:65536", "http://:9999", "http://", "not a url",
    "http://127.0.0.1:9999", "http://2130706433:9999", "http://[::1]:9999", "http://[::ffff:127.0.0.1]:9999", "http://localhost:9999",
    "http:10.0.0.5:9999", " http://10.0.0.5:9999", "http://10.0.0.5:9999\n", "http://10.0.0.5:9999\\@evil.example", "//10.0.0.5:9999",
  ];
  for (const url of refused) expect(checkCallbackUrl(url, lab).ok, url).toBe(false);
  expect(checkCallbackUrl("http://10.0.0.5:9999", { ...lab, requireTls: true })).toMatchObject({ ok: false, tls: true });
});

test("a stored agent URL is called only when it is plain http(s)://host:port", () => {
  expect(isCallableAgentUrl("https://10.0.0.5:9999")).toBe(true);
  for (const url of ["file:///etc/passwd", "http://u:p@10.0.0.5:1", "http://10.0.0.5:1/x?y", "data:,x"]) expect(isCallableAgentUrl(url), url).toBe(false);
});
