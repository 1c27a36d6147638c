import { afterAll, expect, test } from "bun:test";
import { fetchText, openBody, type HttpSettings } from "./http-request.ts";

const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch: (req) => new URL(req.url).pathname === "/ok" ? new Response("fine") : new Response(null, { status: 302, headers: { Location: "file:///etc/hostname" } }),
});
afterAll(() => server.stop(true));

test("an image server's redirect to file: is refused, not read as the image", async () => {
  const settings: HttpSettings = { headers: {}, proxies: {}, noProxy: "", insecure: false, connectionTimeoutS: 5 };
  const signal = new AbortController().signal;
  await expect(openBody(`http://127.0.0.1:${server.port}/disk.raw`, settings, {}, signal)).rejects.toMatchObject({ code: "ImageUrlRefused" });
  for (const url of ["file:///etc/hostname", "data:text/plain,x"]) {
    await expect(openBody(url, settings, {}, signal)).rejects.toMatchObject({ code: "ImageUrlRefused" });
    await expect(fetchText(url, settings, signal)).rejects.toMatchObject({ code: "ImageUrlRefused" });
  }
  const ok = await openBody(`http://127.0.0.1:${server.port}/ok`, settings, {}, signal);
  expect(ok.status).toBe(200);
  ok.cancel();
});
