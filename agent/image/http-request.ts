/**
 * @module agent/image/http-request
 * One HTTP request toward the image server: headers (auth), proxy, TLS, connect timeout,
 * and what a status code means (4xx final, 5xx/408/429 worth a retry).
 */
import { ImageErrors } from "./errors.ts";

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
export function assertOk(url: string, res: Response): void {
  if (res.ok) return;
  throw ImageErrors.httpStatus(url, res.status, isRetryableStatus(res.status));
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
