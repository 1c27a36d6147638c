/**
 * @module bench/conductor-scale/hb-client
 * A deliberately cheap HTTP/1.1 client for heartbeats: a pool of keep-alive TCP connections,
 * each carrying one request at a time (no pipelining, so every latency is one round trip),
 * requests pre-serialised to bytes once per node. `fetch` costs the generator several times
 * what the conductor spends on a heartbeat; this keeps the load generator out of the figure.
 */
import type { Socket } from "bun";

export interface HbResult {
  status: number;
  /** Milliseconds from the request's write to the end of its response. */
  ms: number;
}

interface Conn {
  socket: Socket<undefined> | null;
  buf: string;
  pending: { t: number; done: (r: HbResult) => void } | null;
  /** Bytes the kernel did not take yet (written on drain). */
  out: Uint8Array | null;
}

/** `POST path` with the body, as raw bytes. */
export function heartbeatRequest(host: string, path: string, body: string): Uint8Array {
  const len = Buffer.byteLength(body);
  return Buffer.from(
    `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nX-OpenStack-Ironic-API-Version: 1.68\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\n\r\n${body}`,
  );
}

/** Parses one complete response off the front of `buf`; null when more bytes are needed. */
function takeResponse(buf: string): { status: number; rest: string } | null {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const head = buf.slice(0, end);
  const status = Number(head.slice(9, 12));
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  let bodyEnd = end + 4;
  if (m) bodyEnd += Number(m[1]);
  else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const z = buf.indexOf("0\r\n\r\n", end + 4);
    if (z < 0) return null;
    bodyEnd = z + 5;
  }
  if (buf.length < bodyEnd) return null;
  return { status, rest: buf.slice(bodyEnd) };
}

export interface HbPool {
  /** Sends on a free connection; false when every connection is busy. */
  send(req: Uint8Array, done: (r: HbResult) => void): boolean;
  readonly busy: number;
  close(): void;
}

/**
 * Opens `size` keep-alive connections to host:port.
 * @example
 * const pool = await openPool("127.0.0.1", 6385, 32);
 * pool.send(heartbeatRequest("127.0.0.1:6385", "/v1/heartbeat/uuid", body), (r) => lat.push(r.ms));
 */
export async function openPool(host: string, port: number, size: number): Promise<HbPool> {
  const free: Conn[] = [];
  const all: Conn[] = [];
  let busy = 0;
  const connect = async (c: Conn) => {
    c.socket = await Bun.connect({
      hostname: host,
      port,
      socket: {
        data(_s, chunk) {
          c.buf += chunk.toString("latin1");
          const r = takeResponse(c.buf);
          if (!r || !c.pending) return;
          c.buf = r.rest;
          const p = c.pending;
          c.pending = null;
          busy--;
          free.push(c);
          p.done({ status: r.status, ms: performance.now() - p.t });
        },
        drain(s) {
          if (!c.out) return;
          const n = s.write(c.out);
          c.out = n < c.out.length ? c.out.subarray(n) : null;
        },
        close() {
          // the conductor closed it (idle timeout): fail what was in flight and reconnect lazily
          c.socket = null;
          if (c.pending) {
            const p = c.pending;
            c.pending = null;
            busy--;
            free.push(c);
            p.done({ status: 0, ms: performance.now() - p.t });
          }
        },
      },
    });
  };
  for (let i = 0; i < size; i++) {
    const c: Conn = { socket: null, buf: "", pending: null, out: null };
    all.push(c);
    free.push(c);
  }
  await Promise.all(all.map(connect));
  const write = (c: Conn, req: Uint8Array) => {
    const n = c.socket!.write(req);
    if (n < req.length) c.out = req.subarray(Math.max(0, n));
  };
  return {
    send(req, done) {
      const c = free.pop();
      if (!c) return false;
      busy++;
      c.pending = { t: performance.now(), done };
      if (c.socket) write(c, req);
      else void connect(c).then(() => write(c, req));
      return true;
    },
    get busy() {
      return busy;
    },
    close() {
      for (const c of all) c.socket?.end();
    },
  };
}
