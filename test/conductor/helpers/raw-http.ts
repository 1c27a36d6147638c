/**
 * @module test/conductor/helpers/raw-http
 * Exact bytes over a TCP socket, for requests `fetch` will not send (no Host, a broken Host,
 * oversized headers, a body cut short), and the answer parsed back.
 */
import { connect } from "node:net";

export interface RawAnswer {
  /** 0 when the server closed without answering. */
  status: number;
  headers: Record<string, string>;
  body: string;
  json: any;
}

/** Parses the first response on a connection (Content-Length or to the close). */
export function parseAnswer(raw: string): RawAnswer {
  const end = raw.indexOf("\r\n\r\n");
  const head = end < 0 ? raw : raw.slice(0, end);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of head.split("\r\n").slice(1)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = end < 0 ? "" : raw.slice(end + 4);
  if (headers["content-length"]) body = body.slice(0, Number(headers["content-length"]));
  let json: any = null;
  try {
    json = JSON.parse(body);
  } catch {}
  return { status, headers, body, json };
}

/**
 * Sends `request` and reads until the server closes (or `timeoutMs`).
 * @example
 * const a = await rawRequest(port, "GET / HTTP/1.0\r\n\r\n");
 */
export function rawRequest(port: number, request: string | Uint8Array, timeoutMs = 5000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const sock = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(parseAnswer(Buffer.concat(chunks).toString("utf8")));
    };
    const timer = setTimeout(done, timeoutMs);
    sock.on("data", (d: Buffer) => chunks.push(d));
    sock.on("close", done);
    sock.on("error", done);
    sock.write(request);
  });
}

/**
 * Starts a request with a body, sends `sent` of it, then drops the connection.
 * @example
 * await abandonBody(port, "POST /v1/nodes HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n", '{"dri');
 */
export async function abandonBody(port: number, head: string, sent: string): Promise<void> {
  const sock = connect(port, "127.0.0.1");
  await new Promise<void>((r) => sock.on("connect", () => r()));
  sock.write(head + sent);
  await Bun.sleep(100);
  sock.destroy();
  await Bun.sleep(100);
}
