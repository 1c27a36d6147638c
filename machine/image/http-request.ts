/**
 * @module machine/image/http-request
 * One HTTP request toward the image server: headers (auth), proxy, TLS, connect timeout,
 * and what a status code means (4xx final, 5xx/408/429 worth a retry).
 */
import { ImageErrors, shownUrl } from "./errors.ts";
import { socketGet, type HttpBody } from "./http-socket.ts";
import { releaseBuffer } from "./memory-pacer.ts";

export type { HttpBody } from "./http-socket.ts";

/** Settings shared by every request of one image. Frozen by the caller. */
export interface HttpSettings {
  /** Extra request headers, e.g. `Authorization`. */
  readonly headers: Readonly<Record<string, string>>;
  /** `{ http, https }` proxy URLs, IPA's `proxies`. */
  readonly proxies: Readonly<Record<string, string>>;
  /** Comma-separated host suffixes that bypass the proxy. */
  readonly noProxy: string;
  /** Skip TLS verification of the image server (`ipa-insecure`). */
  readonly insecure: boolean;
  /** Seconds to wait for response headers, and for the next byte (stall). */
  readonly connectionTimeoutS: number;
}

/** The proxy for `url`, honouring `no_proxy` as curl does (suffix match, `*` = all). */
export function proxyFor(url: string, settings: Pick<HttpSettings, "proxies" | "noProxy">): string | undefined {
  const u = new URL(url);
  const scheme = u.protocol.replace(":", "");
  const proxy = settings.proxies[scheme];
  if (!proxy) return undefined;
  const host = u.hostname.toLowerCase();
  for (const raw of settings.noProxy.split(",")) {
    const entry = raw.trim().toLowerCase().replace(/^\./, "");
    if (!entry) continue;
    if (entry === "*" || host === entry || host.endsWith(`.${entry}`)) return undefined;
  }
  return proxy;
}

/** Images, checksum files and config drives come over http(s) only, as IPA's `requests` does. */
function assertHttpUrl(target: string, requested: string): void {
  let protocol = "";
  try {
    protocol = new URL(target).protocol;
  } catch {
    // reported below
  }
  if (protocol !== "http:" && protocol !== "https:") {
    throw ImageErrors.urlRefused(requested, `only http and https URLs are fetched, not ${shownUrl(target).slice(0, 200)}`);
  }
}

/** True for statuses a later attempt may cure. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/**
 * Sends a GET and resolves once headers arrive; aborting `signal` (or the connect timeout)
 * rejects. The body is left unread.
 * @example
 * const res = await sendRequest(url, settings, { range: "bytes=100-" }, controller.signal);
 */
export async function sendRequest(
  url: string,
  settings: HttpSettings,
  extra: { range?: string },
  signal: AbortSignal,
): Promise<Response> {
  assertHttpUrl(url, url);
  const headers: Record<string, string> = { "accept-encoding": "identity", ...settings.headers };
  if (extra.range) headers.range = extra.range;
  const connect = new AbortController();
  const timer = setTimeout(
    () => connect.abort(new Error(`no response within ${settings.connectionTimeoutS} s`)),
    settings.connectionTimeoutS * 1000,
  );
  try {
    const init: RequestInit & Record<string, unknown> = {
      headers,
      signal: AbortSignal.any([signal, connect.signal]),
      redirect: "follow",
      // Bun-specific: keep the bytes as served (the checksum is over them), verify TLS unless told not to.
      decompress: false,
      tls: { rejectUnauthorized: !settings.insecure },
    };
    const proxy = proxyFor(url, settings);
    if (proxy) init.proxy = proxy;
    return await fetch(url, init);
  } catch (error) {
    if (signal.aborted) throw signal.reason ?? error;
    throw ImageErrors.connection(url, connect.signal.aborted ? connect.signal.reason : error);
  } finally {
    clearTimeout(timer);
  }
}

/** Throws the catalogue error for a non-success status. */
export function assertOk(url: string, res: { status: number }): void {
  if (res.status >= 200 && res.status < 300) return;
  throw ImageErrors.httpStatus(url, res.status, isRetryableStatus(res.status));
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/**
 * A fetch Response seen through the HttpBody interface. fetch hands each chunk over in a
 * buffer of its own, freed here once the next is asked for, as the socket transport does; a
 * chunk that shares its buffer is left to the collector (and `freesChunks` turns false).
 */
function fetchBody(res: Response): HttpBody {
  const reader = res.body?.getReader();
  let previous: Uint8Array | null = null;
  let frees = true;
  return {
    status: res.status,
    headers: res.headers,
    get freesChunks() {
      return frees;
    },
    async read() {
      if (previous) {
        const owned = previous.byteOffset === 0 && previous.byteLength === previous.buffer.byteLength;
        if (!owned || !releaseBuffer(previous.buffer)) frees = false;
        previous = null;
      }
      if (!reader) return null;
      const r = await reader.read();
      if (r.done) return null;
      previous = r.value;
      return r.value;
    },
    cancel() {
      reader?.cancel().catch(() => {});
    },
  };
}

/**
 * Sends a GET for an image body and resolves once the response head arrived. Plain `http://`
 * without a proxy goes over a bare socket (http-socket: a third of fetch's CPU per byte, the
 * engine's bottleneck); `https://` and proxied URLs go through fetch. Redirects are followed
 * either way; `Authorization` is not sent to another origin.
 * @example
 * const res = await openBody(url, settings, { range: "bytes=4096-" }, signal);
 * assertOk(url, res); for (let c = await res.read(); c; c = await res.read()) use(c);
 */
export async function openBody(
  url: string,
  settings: HttpSettings,
  extra: { range?: string },
  signal: AbortSignal,
): Promise<HttpBody> {
  let target = new URL(url);
  let headers: Record<string, string> = { ...settings.headers };
  for (let hops = 0; ; hops++) {
    if (target.protocol !== "http:" || proxyFor(target.href, settings)) {
      return fetchBody(await sendRequest(target.href, { ...settings, headers }, extra, signal));
    }
    let res: HttpBody;
    try {
      res = await socketGet(target, {
        headers: extra.range ? { ...headers, range: extra.range } : headers,
        headTimeoutMs: settings.connectionTimeoutS * 1000,
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw signal.reason ?? error;
      throw ImageErrors.connection(url, error);
    }
    const location = res.headers.get("location");
    if (!REDIRECTS.has(res.status) || !location) return res;
    res.cancel();
    if (hops >= MAX_REDIRECTS) throw ImageErrors.connection(url, new Error(`more than ${MAX_REDIRECTS} redirects`));
    const next = new URL(location, target);
    // A redirect must not turn the download into a read of a local file (fetch supports file:).
    assertHttpUrl(next.href, url);
    if (next.origin !== target.origin) {
      const { authorization: _dropped, ...rest } = headers;
      headers = rest;
    }
    target = next;
  }
}

/**
 * Fetches a small text body (a checksum file, a configdrive URL).
 * @example
 * const text = await fetchText("http://img/SHA256SUMS", settings, signal, 1 << 20);
 */
export async function fetchBytes(url: string, settings: HttpSettings, signal: AbortSignal, maxBytes: number): Promise<Uint8Array> {
  const res = await sendRequest(url, settings, {}, signal);
  assertOk(url, res);
  const length = Number(res.headers.get("content-length") ?? NaN);
  if (length > maxBytes) throw ImageErrors.lengthMismatch(url, `body of ${length} bytes exceeds ${maxBytes}`);
  const body = new Uint8Array(await res.arrayBuffer());
  if (body.length > maxBytes) throw ImageErrors.lengthMismatch(url, `body exceeds ${maxBytes} bytes`);
  return body;
}

export async function fetchText(url: string, settings: HttpSettings, signal: AbortSignal, maxBytes = 4 << 20): Promise<string> {
  return new TextDecoder().decode(await fetchBytes(url, settings, signal, maxBytes));
}
