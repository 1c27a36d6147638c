/**
 * @module machine/image/http-socket
 * An HTTP/1.1 GET over a plain Bun socket, for image bodies on `http://` URLs without a proxy
 * (the common case: an image server on the provisioning network). The bytes are handed over
 * in the buffers the socket read them into, with no HTTP client thread between the kernel and
 * the consumer: 2 GiB from nginx on loopback costs ~0.4 s of CPU this way against ~1.1 s
 * through `fetch` (the image engine is CPU-bound on small machines; see bench/image-write).
 * `https://` and proxied URLs keep using `fetch`, which verifies certificates and speaks to
 * proxies.
 *
 * Flow control: the socket stops reading while more than HIGH_WATER bytes wait for the
 * consumer and starts again below LOW_WATER, so a slow disk never lets the download pile up
 * in memory. Memory: every read from the socket arrives in a fresh buffer; each is freed
 * (detached with `ArrayBuffer.transfer(0)`) as soon as the consumer asks for the next piece,
 * so the download leaves no garbage for the collector (left to it, 2 GiB of them cost ~130
 * full collections or ~40 MiB more RSS). Bodies framed by Content-Length, chunked encoding or the connection's close are
 * understood; one request per connection (`Connection: close`).
 */
import type { Socket } from "bun";
import { releaseBuffer } from "./memory-pacer.ts";

/** What the image engine reads from a response, whichever transport carried it. */
export interface HttpBody {
  readonly status: number;
  readonly headers: Headers;
  /** True while `read` frees each piece's memory once the consumer is past it (no garbage). */
  readonly freesChunks: boolean;
  /**
   * The next piece of the body, or null once the body is complete. Rejects when it breaks.
   * A piece is valid until the next call: the socket transport then frees its memory (the
   * consumer copies what it keeps).
   */
  read(): Promise<Uint8Array | null>;
  /** Closes the connection; a pending `read` rejects. Safe to call twice. */
  cancel(): void;
}

export interface SocketGetOptions {
  /** Request headers besides Host, Connection and Accept-Encoding. */
  headers: Readonly<Record<string, string>>;
  /** Rejects when no complete response head arrived in this time. */
  headTimeoutMs: number;
  signal: AbortSignal;
}

/** Waiting body bytes at which reading pauses, and below which it resumes. */
const HIGH_WATER = 2 << 20;
const LOW_WATER = 512 << 10;
/** Larger response heads are refused (a server speaking something else). */
const MAX_HEAD = 64 << 10;

const CRLFCRLF = Buffer.from("\r\n\r\n");

class HttpProtocolError extends Error {
  override name = "HttpProtocolError";
}

/** The response head: status and headers. Throws on anything that is not HTTP/1.x. */
function parseHead(text: string): { status: number; headers: Headers } {
  const lines = text.split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? "");
  if (!m) throw new HttpProtocolError(`not an HTTP/1.x response: ${JSON.stringify((lines[0] ?? "").slice(0, 80))}`);
  const headers = new Headers();
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new HttpProtocolError(`malformed header line ${JSON.stringify(line.slice(0, 80))}`);
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return { status: Number(m[1]), headers };
}

/**
 * Reads a chunked body: hex size line, data, CRLF, ..., a zero-size chunk, trailers, CRLF.
 * `feed` returns the data bytes found in `input` (views of it) and whether the body ended.
 */
function createChunkedDecoder() {
  let state: "size" | "data" | "data-end" | "trailer" = "size";
  let line = "";
  let remaining = 0;
  return (input: Uint8Array): { data: Uint8Array[]; done: boolean } => {
    const data: Uint8Array[] = [];
    let at = 0;
    while (at < input.length) {
      if (state === "data") {
        const n = Math.min(remaining, input.length - at);
        data.push(input.subarray(at, at + n));
        at += n;
        remaining -= n;
        if (remaining === 0) state = "data-end";
        continue;
      }
      // Line-oriented states: collect up to LF.
      const lf = input.indexOf(0x0a, at);
      const end = lf === -1 ? input.length : lf;
      line += Buffer.from(input.buffer, input.byteOffset + at, end - at).toString("latin1");
      if (line.length > 4096) throw new HttpProtocolError("chunked encoding: line too long");
      at = end;
      if (lf === -1) break;
      at += 1;
      const text = line.replace(/\r$/, "");
      line = "";
      if (state === "data-end") {
        if (text !== "") throw new HttpProtocolError("chunked encoding: missing CRLF after chunk data");
        state = "size";
      } else if (state === "size") {
        const size = /^([0-9a-fA-F]{1,12})(?:;.*)?$/.exec(text.trim());
        if (!size) throw new HttpProtocolError(`chunked encoding: bad chunk size ${JSON.stringify(text.slice(0, 40))}`);
        remaining = parseInt(size[1]!, 16);
        state = remaining === 0 ? "trailer" : "data";
      } else if (text === "") {
        return { data, done: true };
      }
    }
    return { data, done: false };
  };
}

/**
 * Sends `GET url` and resolves once the response head arrived; the body is read with `read()`.
 * Connection failures and malformed responses reject (plain Errors; the caller classifies).
 * @example
 * const res = await socketGet(new URL("http://img/disk.raw"), { headers: { range: "bytes=0-" }, headTimeoutMs: 60_000, signal });
 * for (let c = await res.read(); c; c = await res.read()) hasher.update(c);
 */
export function socketGet(url: URL, options: SocketGetOptions): Promise<HttpBody> {
  if (url.protocol !== "http:") throw new Error(`socketGet speaks plain http only, not ${url.protocol}`);
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = Number(url.port || 80);
  const request =
    `GET ${url.pathname}${url.search} HTTP/1.1\r\n` +
    `Host: ${url.host}\r\n` +
    "Accept: */*\r\nAccept-Encoding: identity\r\nConnection: close\r\n" +
    Object.entries(options.headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("") +
    "\r\n";

  return new Promise<HttpBody>((resolveHead, rejectHead) => {
    let socket: Socket | null = null;
    let headBytes: Uint8Array[] = [];
    let headSize = 0;
    let response: HttpBody | null = null;
    // Body framing, known once the head is parsed.
    let remaining = -1; // Content-Length bytes still due; -1 = not length-framed
    let chunked: ReturnType<typeof createChunkedDecoder> | null = null;
    const queue: Uint8Array[] = [];
    let queued = 0;
    let ended = false;
    let failure: unknown = null;
    let paused = false;
    let waiter: { resolve: (c: Uint8Array | null) => void; reject: (e: unknown) => void } | null = null;
    // The buffer of the last piece handed out, freed once the consumer is past it.
    let handedOut: ArrayBufferLike | null = null;
    const releaseHandedOut = (next: ArrayBufferLike | null) => {
      if (handedOut !== null && handedOut !== next) releaseBuffer(handedOut);
      handedOut = next;
    };

    const headTimer = setTimeout(() => fail(new Error(`no response within ${options.headTimeoutMs / 1000} s`)), options.headTimeoutMs);
    const onAbort = () => fail(options.signal.reason ?? new Error("aborted"));
    options.signal.addEventListener("abort", onAbort, { once: true });
    // Functions below are hoisted: an already aborted signal fails before any connection.
    if (options.signal.aborted) queueMicrotask(onAbort);

    const cleanup = () => {
      clearTimeout(headTimer);
      options.signal.removeEventListener("abort", onAbort);
    };

    const wake = () => {
      if (!waiter) return;
      const w = waiter;
      if (queue.length > 0) {
        waiter = null;
        w.resolve(take());
      } else if (failure !== null) {
        waiter = null;
        w.reject(failure);
      } else if (ended) {
        waiter = null;
        w.resolve(null);
      }
    };

    function fail(error: unknown) {
      if (failure !== null || (ended && queue.length === 0 && response)) return;
      failure = error;
      cleanup();
      socket?.terminate();
      socket = null;
      if (!response) rejectHead(error);
      wake();
    }

    function finishBody() {
      ended = true;
      cleanup();
      // The body is complete: nothing more is wanted from this connection.
      socket?.end();
      socket = null;
      wake();
    }

    function take(): Uint8Array {
      const chunk = queue.shift()!;
      queued -= chunk.length;
      handedOut = chunk.buffer;
      if (paused && queued < LOW_WATER && socket) {
        paused = false;
        socket.resume();
      }
      return chunk;
    }

    function pushBody(bytes: Uint8Array) {
      if (ended || bytes.length === 0) return;
      let pieces: Uint8Array[];
      let done = false;
      if (chunked) {
        const r = chunked(bytes);
        pieces = r.data;
        done = r.done;
      } else if (remaining >= 0) {
        const n = Math.min(remaining, bytes.length);
        pieces = [n === bytes.length ? bytes : bytes.subarray(0, n)];
        remaining -= n;
        done = remaining === 0;
      } else {
        pieces = [bytes];
      }
      for (const p of pieces) {
        if (p.length === 0) continue;
        queue.push(p);
        queued += p.length;
      }
      if (done) return finishBody();
      if (!paused && queued > HIGH_WATER && socket) {
        paused = true;
        socket.pause();
      }
      wake();
    }

    function onHead(head: string, rest: Uint8Array) {
      const { status, headers } = parseHead(head);
      // 1xx interim answers (100 Continue, 103 Early Hints) precede the real one.
      if (status >= 100 && status < 200) return onData(rest);
      const encoding = headers.get("transfer-encoding")?.toLowerCase() ?? "";
      const length = headers.get("content-length");
      if (encoding.split(",").map((s) => s.trim()).includes("chunked")) chunked = createChunkedDecoder();
      else if (encoding && encoding !== "identity") throw new HttpProtocolError(`unsupported transfer-encoding ${encoding}`);
      else if (length !== null) {
        if (!/^\d+$/.test(length.trim())) throw new HttpProtocolError(`bad content-length ${JSON.stringify(length)}`);
        remaining = Number(length);
      }
      if (status === 204 || status === 304) remaining = 0;
      clearTimeout(headTimer);
      response = {
        status,
        headers,
        freesChunks: true,
        read() {
          // The consumer is done with what it had, except pieces of the buffer still queued.
          releaseHandedOut(queue[0]?.buffer ?? null);
          if (queue.length > 0) return Promise.resolve(take());
          if (failure !== null) return Promise.reject(failure);
          if (ended) return Promise.resolve(null);
          return new Promise((resolve, reject) => {
            waiter = { resolve, reject };
          });
        },
        cancel() {
          fail(new Error("cancelled"));
        },
      };
      // Resolved first: a body that breaks from its first bytes on is reported by `read`.
      resolveHead(response);
      if (remaining === 0) finishBody();
      else pushBody(rest);
    }

    function onData(data: Uint8Array) {
      if (failure !== null) return;
      try {
        if (response) return pushBody(data);
        headBytes.push(data);
        headSize += data.length;
        const all = headBytes.length === 1 ? headBytes[0]! : Buffer.concat(headBytes);
        headBytes = [all];
        const end = Buffer.from(all.buffer, all.byteOffset, all.length).indexOf(CRLFCRLF);
        if (end === -1) {
          if (headSize > MAX_HEAD) throw new HttpProtocolError(`response head larger than ${MAX_HEAD} bytes`);
          return;
        }
        headBytes = [];
        headSize = 0;
        onHead(Buffer.from(all.buffer, all.byteOffset, end).toString("latin1"), all.subarray(end + 4));
      } catch (error) {
        fail(error);
      }
    }

    function onClose(error?: unknown) {
      socket = null;
      if (failure !== null || (ended && response)) return;
      if (error) return fail(error);
      if (!response) return fail(new Error("connection closed before the response head"));
      if (remaining > 0) return fail(new Error(`connection closed with ${remaining} body bytes still due`));
      if (chunked) return fail(new Error("connection closed inside a chunked body"));
      // Close-delimited body: the close is its end.
      finishBody();
    }

    Bun.connect({
      hostname,
      port,
      socket: {
        open(s) {
          socket = s;
          if (failure !== null) return void s.terminate();
          s.write(request);
        },
        // Plain Uint8Array views, not Buffers: downstream, `slice()` must copy (Buffer's is a view).
        data: (_s, data) => onData(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)),
        end: () => onClose(),
        close: (_s, error) => onClose(error),
        error: (_s, error) => fail(error),
        connectError: (_s, error) => fail(error),
      },
    }).catch((error: unknown) => fail(error));
  });
}
