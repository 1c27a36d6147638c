/**
 * @module common/http-guard
 * Checks a request as Bun.serve hands it over, before any router sees it, for the two
 * things a router cannot repair: the request target and the size of the header section.
 *
 * - Without a `Host` (HTTP/1.0 may omit it; an empty one is legal) Bun gives a relative
 *   `request.url` such as `/v1/nodes`, which Hono's path finder misreads (`/nodes`) and
 *   `new URL()` refuses. Such a request is re-targeted at the server's own origin.
 * - An invalid `Host` (`[::1`, `a:99999`, two Host lines joined by a comma) is a 400, as
 *   RFC 9112 section 3.2 requires. A valid one is kept but never trusted: links are built
 *   from the configured public URL, never from `Host`.
 * - Bun's parser answers oversized headers itself with a bodiless 431 and no hook (neither
 *   `fetch` nor `error` runs). {@link raiseParserHeaderLimit} moves that parser limit up, so
 *   this guard sees headers up to the raised limit and refuses those above `maxHeaderBytes`
 *   with a 431 in the server's own error body. Above the raised limit (or beyond uWS's fixed
 *   ~198 header fields) Bun's bodiless 431 still answers: that part lives in Bun's native
 *   parser and cannot be reached from JavaScript.
 */
import http from "node:http";

/** Headers an API request may carry: Bun's default parser limit, and oslo.service's `max_header_line`. */
export const MAX_HEADER_BYTES = 16 * 1024;

/** Where Bun's own parser is set to stop, so that {@link MAX_HEADER_BYTES} is enforced here. */
export const PARSER_HEADER_LIMIT = 256 * 1024;

export type GuardOutcome = { ok: true; request: Request } | { ok: false; status: 400 | 431; message: string };

// RFC 3986 host (IP literal, IPv4 or reg-name) and an optional port.
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=%-]+)(?::(\d{0,5}))?$/;

/** True for a `Host` value RFC 9112 accepts (the empty value included). */
export function isValidHost(host: string): boolean {
  if (host === "") return true;
  const m = HOST.exec(host);
  return m !== null && (m[1] === undefined || m[1] === "" || Number(m[1]) <= 65535);
}

/** Bytes of the request line and header fields, as they came over the wire (near enough). */
function headerBytes(request: Request): number {
  let n = request.method.length + request.url.length + 12;
  for (const [name, value] of request.headers) n += name.length + value.length + 4;
  return n;
}

/**
 * Checks `request`; `origin` (e.g. `http://10.0.0.1:6385`) replaces a missing Host.
 * @example
 * const g = guardRequest(req, { origin: "http://127.0.0.1:6385" });
 * if (!g.ok) return Response.json(errorBody(g.message), { status: g.status });
 * return app.fetch(g.request);
 */
export function guardRequest(request: Request, options: { origin: string; maxHeaderBytes?: number }): GuardOutcome {
  const max = options.maxHeaderBytes ?? MAX_HEADER_BYTES;
  if (headerBytes(request) > max) {
    return { ok: false, status: 431, message: `The request's header fields are larger than ${max} bytes.` };
  }
  const host = request.headers.get("host");
  if (host !== null && !isValidHost(host)) {
    return { ok: false, status: 400, message: "The request's Host header is not a valid host[:port]." };
  }
  if (request.url.startsWith("/")) return { ok: true, request: new Request(options.origin + request.url, request) };
  return { ok: true, request };
}

/**
 * Raises the header size at which Bun's native parser gives up (process-wide; it is read
 * per request), so that {@link guardRequest} answers oversized headers in the API's own body.
 * Never lowers it.
 * @example
 * raiseParserHeaderLimit();
 * Bun.serve({ fetch: guarded });
 */
export function raiseParserHeaderLimit(limit = PARSER_HEADER_LIMIT): void {
  if (http.maxHeaderSize < limit) (http as { maxHeaderSize: number }).maxHeaderSize = limit;
}

/** The origin (`scheme://host:port`) of a URL, or "" when it has none. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "";
  }
}
