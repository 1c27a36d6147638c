/**
 * The bare-socket HTTP client against real local servers: each framing, interim answers,
 * broken connections, malformed heads, flow control; and openBody's choice of transport
 * and its redirects.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { TCPSocketListener } from "bun";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openBody } from "./http-request.ts";
import { socketGet, type HttpBody } from "./http-socket.ts";

const settings = { headers: {}, proxies: {}, noProxy: "", insecure: false, connectionTimeoutS: 5 };
const never = new AbortController().signal;

async function readAll(res: HttpBody): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  // Copies: a piece is valid only until the next read.
  for (let c = await res.read(); c; c = await res.read()) parts.push(c.slice());
  return Buffer.concat(parts);
}

/** A TCP server answering every connection with `answer(request)` written in `pieces`. */
function rawServer(answer: (request: string) => Array<string | Uint8Array>, options: { close?: boolean } = {}): TCPSocketListener {
  return Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(socket, data) {
        for (const piece of answer(data.toString("latin1"))) socket.write(piece);
        if (options.close !== false) socket.end();
      },
    },
  });
}

const payload = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) & 0xff));

describe("socketGet", () => {
  let lastRequest = "";
  let httpServer: ReturnType<typeof Bun.serve>;
  beforeAll(() => {
    httpServer = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(req) {
        lastRequest = [...req.headers.entries()].map(([k, v]) => `${k}: ${v}`).join("\n");
        const path = new URL(req.url).pathname;
        if (path === "/fixed") return new Response(payload);
        if (path === "/chunked") {
          // A streamed body without a length: Bun.serve sends it chunked.
          return new Response(
            new ReadableStream({
              start(c) {
                for (let at = 0; at < payload.length; at += 70_001) c.enqueue(payload.subarray(at, at + 70_001));
                c.close();
              },
            }),
          );
        }
        if (path === "/empty") return new Response(null, { status: 204 });
        if (path === "/moved") return Response.redirect("/fixed", 302);
        if (path === "/away") return Response.redirect(`http://localhost:${httpServer.port}/fixed`, 307);
        return new Response("no", { status: 404 });
      },
    });
  });
  afterAll(() => httpServer.stop(true));

  const url = (path: string) => new URL(`http://127.0.0.1:${httpServer.port}${path}`);

  test("a Content-Length body arrives whole, with status, headers and our request headers", async () => {
    const res = await socketGet(url("/fixed"), { headers: { range: "bytes=0-", authorization: "Bearer x" }, headTimeoutMs: 5000, signal: never });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(payload.length));
    expect((await readAll(res)).equals(payload)).toBe(true);
    expect(lastRequest).toContain("authorization: Bearer x");
    expect(lastRequest).toContain("accept-encoding: identity");
  });

  test("each piece's memory is freed once the next is read; pieces of one socket read stay valid together", async () => {
    const res = await socketGet(url("/chunked"), { headers: {}, headTimeoutMs: 5000, signal: never });
    expect(res.freesChunks).toBe(true);
    const seen: Uint8Array[] = [];
    let bytes = 0;
    for (let c = await res.read(); c; c = await res.read()) {
      // Every piece still held is either this one's buffer or already freed, never half-valid.
      for (const old of seen) if (old.buffer !== c.buffer) expect(old.buffer.byteLength).toBe(0);
      expect(c.length).toBeGreaterThan(0);
      expect(Buffer.isBuffer(c)).toBe(false); // so that slice() downstream copies
      bytes += c.length;
      seen.push(c);
    }
    expect(bytes).toBe(payload.length);
    expect(seen.slice(0, -1).every((c) => c.buffer.byteLength === 0)).toBe(true);
  });

  test("a chunked body is decoded", async () => {
    const res = await socketGet(url("/chunked"), { headers: {}, headTimeoutMs: 5000, signal: never });
    expect(res.headers.get("transfer-encoding")).toBe("chunked");
    expect((await readAll(res)).equals(payload)).toBe(true);
  });

  test("204 has no body; 404 is a status, not an error", async () => {
    expect(await (await socketGet(url("/empty"), { headers: {}, headTimeoutMs: 5000, signal: never })).read()).toBeNull();
    const missing = await socketGet(url("/nothing"), { headers: {}, headTimeoutMs: 5000, signal: never });
    expect(missing.status).toBe(404);
    expect((await readAll(missing)).toString()).toBe("no");
  });

  test("a close-delimited body ends at the close; 100 Continue is skipped; chunk sizes split across packets", async () => {
    const server = rawServer(() => ["HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.0 200 OK\r\nX-A: 1\r\n\r\n", "hello ", "world"]);
    try {
      const res = await socketGet(new URL(`http://127.0.0.1:${server.port}/x`), { headers: {}, headTimeoutMs: 5000, signal: never });
      expect(res.headers.get("x-a")).toBe("1");
      expect((await readAll(res)).toString()).toBe("hello world");
    } finally {
      server.stop(true);
    }
    const chunked = rawServer(() => ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5", "\r\nhel", "lo\r", "\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n", "\r\n"]);
    try {
      const res = await socketGet(new URL(`http://127.0.0.1:${chunked.port}/x`), { headers: {}, headTimeoutMs: 5000, signal: never });
      expect((await readAll(res)).toString()).toBe("hello world");
    } finally {
      chunked.stop(true);
    }
  });

  test("a body cut short, a chunked body cut short and a malformed head reject", async () => {
    const cases: Array<[string, Array<string>]> = [
      ["short", ["HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", "only this"]],
      ["chunked", ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "10\r\nabc"]],
      ["bad chunk", ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "zz\r\nabc"]],
      ["not http", ["SSH-2.0-OpenSSH_9.2\r\n\r\n"]],
      ["bad length", ["HTTP/1.1 200 OK\r\nContent-Length: -4\r\n\r\n"]],
    ];
    for (const [name, pieces] of cases) {
      const server = rawServer(() => pieces);
      try {
        const attempt = socketGet(new URL(`http://127.0.0.1:${server.port}/`), { headers: {}, headTimeoutMs: 5000, signal: never }).then(readAll);
        await expect(attempt, name).rejects.toThrow();
      } finally {
        server.stop(true);
      }
    }
  });

  test("no answer within the head timeout, a refused connection and an abort reject", async () => {
    const silent = rawServer(() => [], { close: false });
    try {
      await expect(socketGet(new URL(`http://127.0.0.1:${silent.port}/`), { headers: {}, headTimeoutMs: 200, signal: never })).rejects.toThrow(/no response within/);
      const controller = new AbortController();
      const pending = socketGet(new URL(`http://127.0.0.1:${silent.port}/`), { headers: {}, headTimeoutMs: 5000, signal: controller.signal });
      controller.abort(new Error("stop now"));
      await expect(pending).rejects.toThrow(/stop now/);
      // a signal aborted before the call: no connection is made at all
      await expect(socketGet(new URL(`http://127.0.0.1:${silent.port}/`), { headers: {}, headTimeoutMs: 5000, signal: controller.signal })).rejects.toThrow(/stop now/);
    } finally {
      silent.stop(true);
    }
    const closed = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = closed.port;
    closed.stop(true);
    await expect(socketGet(new URL(`http://127.0.0.1:${port}/`), { headers: {}, headTimeoutMs: 2000, signal: never })).rejects.toThrow();
  });

  test("a consumer that stops reading stops the download (flow control)", async () => {
    const total = 256 << 20;
    let sent = 0;
    const block = Buffer.alloc(1 << 20, 7);
    const server = Bun.listen<{ pump: () => void }>({
      hostname: "127.0.0.1",
      port: 0,
      data: { pump: () => {} },
      socket: {
        data(socket) {
          socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\n\r\n`);
          const pump = () => {
            while (sent < total) {
              const n = socket.write(block);
              sent += n;
              if (n < block.length) return; // the kernel's buffer is full: wait for drain
            }
            socket.end();
          };
          socket.data = { pump };
          pump();
        },
        drain(socket) {
          socket.data.pump();
        },
      },
    });
    try {
      const res = await socketGet(new URL(`http://127.0.0.1:${server.port}/`), { headers: {}, headTimeoutMs: 5000, signal: never });
      await res.read();
      await Bun.sleep(500);
      // Without flow control the whole body would be read into memory in this time. With it,
      // what left the server is bounded by the socket buffers plus the client's high water.
      expect(sent).toBeLessThan(64 << 20);
      let got = 0;
      for (let c = await res.read(); c; c = await res.read()) got += c.length;
      expect(got).toBeGreaterThan(total - (1 << 20) - 1);
    } finally {
      server.stop(true);
    }
  });

  test("openBody follows redirects on the socket path and drops Authorization toward another origin", async () => {
    const same = await openBody(url("/moved").href, { ...settings, headers: { authorization: "Bearer x" } }, {}, never);
    expect(same.status).toBe(200);
    expect(lastRequest).toContain("authorization: Bearer x");
    expect((await readAll(same)).equals(payload)).toBe(true);
    const away = await openBody(url("/away").href, { ...settings, headers: { authorization: "Bearer x" } }, {}, never);
    expect((await readAll(away)).equals(payload)).toBe(true);
    expect(lastRequest).not.toContain("authorization");
  });

  test("openBody sends proxied URLs through fetch and its proxy", async () => {
    let proxied = "";
    const proxy = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(req) {
        proxied = req.url;
        return new Response("via proxy");
      },
    });
    try {
      const res = await openBody("http://image.example/disk.raw", { ...settings, proxies: { http: `http://127.0.0.1:${proxy.port}` } }, {}, never);
      expect((await readAll(res)).toString()).toBe("via proxy");
      expect(proxied).toContain("image.example/disk.raw");
    } finally {
      proxy.stop(true);
    }
  });

  test("openBody takes https through fetch (verified unless insecure) and frees fetch's chunks as it goes", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "teeth-tls-"));
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
      "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")], { stdio: "ignore" });
    const big = Buffer.alloc(8 << 20, 3);
    const tls = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: { cert: fs.readFileSync(path.join(dir, "cert.pem"), "utf8"), key: fs.readFileSync(path.join(dir, "key.pem"), "utf8") },
      fetch: () => new Response(big),
    });
    try {
      const href = `https://127.0.0.1:${tls.port}/disk.raw`;
      await expect(openBody(href, settings, {}, never).then(readAll)).rejects.toThrow();
      const res = await openBody(href, { ...settings, insecure: true }, {}, never);
      const pieces: Uint8Array[] = [];
      let bytes = 0;
      for (let c = await res.read(); c; c = await res.read()) {
        bytes += c.length;
        expect(c.every((b) => b === 3)).toBe(true);
        pieces.push(c);
      }
      expect(bytes).toBe(big.length);
      expect(res.freesChunks).toBe(true);
      expect(pieces.slice(0, -1).every((c) => c.buffer.byteLength === 0)).toBe(true);
    } finally {
      tls.stop(true);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an IPv6 literal host connects without brackets and is sent with them in Host", async () => {
    let v6: ReturnType<typeof Bun.serve>;
    try {
      v6 = Bun.serve({ hostname: "::1", port: 0, fetch: (req) => new Response(`host ${req.headers.get("host")}`) });
    } catch {
      return; // no IPv6 loopback on this machine
    }
    try {
      const res = await socketGet(new URL(`http://[::1]:${v6.port}/x`), { headers: {}, headTimeoutMs: 5000, signal: never });
      expect((await readAll(res)).toString()).toBe(`host [::1]:${v6.port}`);
    } finally {
      v6.stop(true);
    }
  });
});
