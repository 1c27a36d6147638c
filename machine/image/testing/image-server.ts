/**
 * @module machine/image/testing/image-server
 * A tiny HTTP/1.1 image server for tests, on raw TCP so it can misbehave exactly: ignore
 * Range, lie about Content-Length, drop the connection at an offset (once or always), stall.
 */
import net from "node:net";

export interface Behaviour {
  /** Serve without Range support (no Accept-Ranges, Range ignored). */
  noRanges?: boolean;
  /** Absolute offsets where the connection is cut, each once. */
  dropAt?: number[];
  /** Cut every response at this absolute offset (a truncated image). */
  truncateAt?: number;
  /** Added to the Content-Length of full responses (negative: claim fewer bytes). */
  lieLength?: number;
  /** Offsets where sending stops (socket left open), each once. */
  stallAt?: number[];
  /** Answer this status with an empty body. */
  status?: number;
}

export interface ImageServer {
  readonly port: number;
  url(path: string): string;
  put(path: string, body: Uint8Array, behaviour?: Behaviour): void;
  /** Requests seen per path, with their Range header. */
  requests(path: string): Array<{ range: string | null }>;
  close(): Promise<void>;
}

/**
 * @example
 * const server = await startImageServer();
 * server.put("/disk.img", bytes, { dropAt: [1 << 20] });
 */
export async function startImageServer(): Promise<ImageServer> {
  const files = new Map<string, { body: Uint8Array; behaviour: Behaviour }>();
  const seen = new Map<string, Array<{ range: string | null }>>();
  const sockets = new Set<net.Socket>();

  const respond = async (socket: net.Socket, path: string, headers: Record<string, string>) => {
    const entry = files.get(path);
    const log = seen.get(path) ?? [];
    seen.set(path, log);
    log.push({ range: headers.range ?? null });
    const head = (status: string, h: Record<string, string | number>) =>
      socket.write(`HTTP/1.1 ${status}\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}\r\n`).join("")}connection: close\r\n\r\n`);
    if (!entry) {
      head("404 Not Found", { "content-length": 0 });
      return socket.end();
    }
    const { body, behaviour: b } = entry;
    if (b.status) {
      head(`${b.status} Status`, { "content-length": 0 });
      return socket.end();
    }
    let start = 0;
    let end = body.length;
    const m = /^bytes=(\d+)-(\d*)$/.exec(headers.range ?? "");
    if (m && !b.noRanges) {
      start = Number(m[1]);
      end = m[2] ? Number(m[2]) + 1 : body.length;
      if (start >= body.length) {
        head("416 Range Not Satisfiable", { "content-range": `bytes */${body.length}`, "content-length": 0 });
        return socket.end();
      }
      end = Math.min(end, body.length);
      head("206 Partial Content", {
        "content-range": `bytes ${start}-${end - 1}/${body.length}`,
        "content-length": end - start,
        "accept-ranges": "bytes",
      });
    } else {
      const h: Record<string, string | number> = { "content-length": body.length + (b.lieLength ?? 0) };
      if (!b.noRanges) h["accept-ranges"] = "bytes";
      head("200 OK", h);
    }
    let at = start;
    if (b.truncateAt !== undefined && at >= b.truncateAt) {
      await new Promise((r) => setTimeout(r, 20));
      return socket.destroy();
    }
    while (at < end) {
      let stop = Math.min(end, at + 65536);
      const drop = b.dropAt?.find((d) => d > at && d <= stop);
      const stall = b.stallAt?.find((d) => d > at && d <= stop);
      const cut = b.truncateAt !== undefined && b.truncateAt > at && b.truncateAt <= stop ? b.truncateAt : undefined;
      const limit = Math.min(drop ?? Infinity, stall ?? Infinity, cut ?? Infinity);
      if (limit !== Infinity) stop = limit;
      if (!socket.write(body.subarray(at, stop))) await new Promise((r) => socket.once("drain", r));
      at = stop;
      if (drop !== undefined && drop === stop) {
        b.dropAt = b.dropAt!.filter((d) => d !== drop);
        await new Promise((r) => setTimeout(r, 20));
        return socket.destroy();
      }
      if (cut !== undefined && cut === stop) {
        await new Promise((r) => setTimeout(r, 20));
        return socket.destroy();
      }
      if (stall !== undefined && stall === stop) {
        b.stallAt = b.stallAt!.filter((d) => d !== stall);
        return; // leave the socket open and silent
      }
    }
    socket.end();
  };

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let buffered = "";
    socket.on("data", (d) => {
      if (buffered === null) return;
      buffered += d.toString("latin1");
      const idx = buffered.indexOf("\r\n\r\n");
      if (idx < 0) return;
      const [requestLine, ...lines] = buffered.slice(0, idx).split("\r\n");
      buffered = null as unknown as string;
      const path = decodeURIComponent(requestLine!.split(" ")[1]!.split("?")[0]!);
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const c = l.indexOf(":");
        if (c > 0) headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
      }
      respond(socket, path, headers).catch(() => socket.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    put: (path, body, behaviour = {}) => {
      files.set(path, { body, behaviour: structuredClone(behaviour) });
      seen.delete(path);
    },
    requests: (path) => seen.get(path) ?? [],
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
