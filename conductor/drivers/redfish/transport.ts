/**
 * @module conductor/drivers/redfish/transport
 * One HTTP exchange with a BMC, with Bun's fetch: TLS verified by default, against a CA
 * bundle (file or directory) when `redfish_verify_ca` names one, or not at all when it is
 * false; bounded by the call's budget; the JSON body and ETag read. Bun's fetch is used
 * because undici's `dispatcher` (its way to pass TLS options) is ignored under Bun: Bun's
 * own `tls: { ca, rejectUnauthorized }` is the option that works.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { conductorError } from "../../errors.ts";
import type { Budget } from "./budget.ts";

export interface RedfishResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON body; null when empty or not JSON. */
  json: unknown;
  /** The resource's ETag: the header, else the body's `@odata.etag`. */
  etag: string | null;
}

export interface ExchangeSpec {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** Absolute URL on the BMC's origin (the caller checks the origin). */
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface TlsChoice {
  /** true: verify with the system's roots; false: do not verify; string: CA bundle file or directory. */
  verifyCa: boolean | string;
}

export type FetchLike = (input: string, init: RequestInit & { tls?: Record<string, unknown> }) => Promise<Response>;

/** Thrown when no HTTP answer came (refused, reset, TLS, timeout): the caller classifies it. */
export class NoAnswer extends Error {
  constructor(readonly original: unknown) {
    super((original as Error)?.message ?? String(original));
  }
}

const MAX_BODY = 4 * 1024 * 1024;

/** PEM text of a CA bundle file, or of every certificate file in a directory (as Ironic accepts either). */
export function readCaBundle(path: string): string[] {
  if (!statSync(path).isDirectory()) return [readFileSync(path, "utf8")];
  return readdirSync(path)
    .filter((f) => /\.(pem|crt|cer)$/i.test(f))
    .sort()
    .map((f) => readFileSync(join(path, f), "utf8"));
}

function tlsOptions(choice: TlsChoice): Record<string, unknown> {
  if (choice.verifyCa === false) return { rejectUnauthorized: false };
  if (typeof choice.verifyCa !== "string") return { rejectUnauthorized: true };
  let ca: string[];
  try {
    ca = readCaBundle(choice.verifyCa);
  } catch (e) {
    throw conductorError("DRIVER_INFO_INVALID", { reason: `cannot read the CA bundle ${choice.verifyCa} of redfish_verify_ca: ${(e as Error).message}` });
  }
  return { rejectUnauthorized: true, ca };
}

/**
 * Sends one request and reads the answer. Throws `NoAnswer` when there is none; any HTTP
 * status is returned, for the caller to judge.
 * @example
 * const r = await exchange(fetch, { method: "GET", url: "https://10.0.0.5/redfish/v1/" }, { verifyCa: true }, budget);
 */
export async function exchange(doFetch: FetchLike, spec: ExchangeSpec, tls: TlsChoice, budget: Budget): Promise<RedfishResponse> {
  const remaining = budget.remainingMs();
  if (remaining <= 0) throw budget.timeout();
  const headers: Record<string, string> = { Accept: "application/json", "OData-Version": "4.0", ...spec.headers };
  if (spec.body !== undefined) headers["Content-Type"] = "application/json";
  const tlsInit = spec.url.startsWith("https:") ? { tls: tlsOptions(tls) } : {};
  let res: Response;
  let text: string;
  try {
    res = await doFetch(spec.url, {
      method: spec.method,
      headers,
      body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
      signal: AbortSignal.timeout(remaining),
      // A BMC's redirect is not followed: the conductor only talks to the address in driver_info.
      redirect: "manual",
      ...tlsInit,
    });
    text = await res.text();
  } catch (e) {
    throw new NoAnswer(e);
  }
  let json: unknown = null;
  if (text && text.length <= MAX_BODY) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  const bodyTag = (json as Record<string, unknown> | null)?.["@odata.etag"];
  return { status: res.status, headers: res.headers, json, etag: res.headers.get("etag") ?? (typeof bodyTag === "string" ? bodyTag : null) };
}
