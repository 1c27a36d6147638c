/**
 * @module agent/heartbeat/ironic-api-client
 * The agent's client of the conductor's ramdisk API (Ironic's): version discovery, lookup,
 * heartbeat. Each call returns an outcome value; the loops decide what to retry.
 */
import { MAX_AGENT_JSON_DEPTH, withinJsonDepth } from "../../common/json-depth.ts";
import { parseIronicError } from "../../protocol/ironic-api.ts";
import {
  API_VERSION_HEADER,
  CONTINUE_INSPECTION_API_VERSION,
  DiscoveryResponseSchema,
  HEARTBEAT_API_VERSION,
  LOOKUP_API_VERSION,
  LookupResponseSchema,
  RootVersionsSchema,
  type HeartbeatBody,
  type LookupResponse,
} from "../../protocol/ramdisk-api.ts";

export type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; status: number | null; reason: string };

export interface IronicApiClient {
  /** `GET /`: the server's highest microversion, e.g. "1.82". */
  discoverVersion(): Promise<Outcome<string>>;
  lookup(macs: readonly string[], nodeUuid: string | null): Promise<Outcome<LookupResponse>>;
  heartbeat(nodeUuid: string, body: HeartbeatBody): Promise<Outcome<null>>;
  /** Posts `{inventory}` to an inspection callback URL (discovery); the value is the node UUID if the answer names one. */
  postInventory(url: string, inventory: unknown): Promise<Outcome<string | null>>;
  /** The API URL in use (the first that answered discovery). */
  baseUrl(): string;
}

export interface IronicApiClientOptions {
  apiUrls: readonly string[];
  insecure: boolean;
  timeoutS: number;
  globalRequestId: string | null;
  /** Pin instead of discovering. */
  pinnedVersion: string | null;
  fetch?: typeof fetch;
}

/** Compares "1.62" style versions. */
export function compareMicroversion(a: string, b: string): number {
  const [am = 0, an = 0] = a.split(".").map(Number);
  const [bm = 0, bn = 0] = b.split(".").map(Number);
  return am - bm || an - bn;
}

const minVersion = (a: string, b: string) => (compareMicroversion(a, b) <= 0 ? a : b);

/**
 * @example
 * const api = createIronicApiClient({ apiUrls: ["http://10.0.0.1:6385"], insecure: false, timeoutS: 30, ... });
 * const v = await api.discoverVersion();
 */
export function createIronicApiClient(options: IronicApiClientOptions): IronicApiClient {
  const doFetch = options.fetch ?? fetch;
  let base = options.apiUrls[0]?.replace(/\/+$/, "") ?? "";
  let serverVersion: string | null = options.pinnedVersion;

  const request = async (url: string, init: RequestInit & { version?: string }): Promise<Response | string> => {
    const headers = new Headers(init.headers);
    headers.set("Accept", "application/json");
    if (init.version) headers.set(API_VERSION_HEADER, init.version);
    if (options.globalRequestId) headers.set("X-OpenStack-Request-ID", options.globalRequestId);
    try {
      return await doFetch(url, {
        ...init,
        headers,
        signal: AbortSignal.timeout(options.timeoutS * 1000),
        // Bun's fetch extension: skip verification only when the operator said so.
        tls: { rejectUnauthorized: !options.insecure },
      } as RequestInit);
    } catch (error) {
      return (error as Error).message || String(error);
    }
  };

  const versionFor = (wanted: string) => (serverVersion ? minVersion(serverVersion, wanted) : wanted);

  const client: IronicApiClient = {
    baseUrl: () => base,

    async discoverVersion() {
      if (options.pinnedVersion) return { ok: true, value: options.pinnedVersion };
      let last: Outcome<string> = { ok: false, status: null, reason: "no ipa-api-url given" };
      for (const candidate of options.apiUrls) {
        const url = candidate.replace(/\/+$/, "");
        const res = await request(`${url}/`, { method: "GET" });
        if (typeof res === "string") {
          last = { ok: false, status: null, reason: res };
          continue;
        }
        if (!res.ok) {
          last = { ok: false, status: res.status, reason: `GET / answered ${res.status}` };
          continue;
        }
        const parsed = RootVersionsSchema.safeParse(await readJson(res));
        if (!parsed.success) {
          last = { ok: false, status: res.status, reason: "GET / did not describe API versions" };
          continue;
        }
        base = url;
        serverVersion = parsed.data.default_version.version;
        return { ok: true, value: serverVersion };
      }
      return last;
    },

    async lookup(macs, nodeUuid) {
      const query = new URLSearchParams();
      if (macs.length) query.set("addresses", macs.join(","));
      if (nodeUuid) query.set("node_uuid", nodeUuid);
      const res = await request(`${base}/v1/lookup?${query}`, { method: "GET", version: versionFor(LOOKUP_API_VERSION) });
      if (typeof res === "string") return { ok: false, status: null, reason: res };
      if (!res.ok) return { ok: false, status: res.status, reason: await errorText(res) };
      const parsed = LookupResponseSchema.safeParse(await readJson(res));
      if (!parsed.success) return { ok: false, status: res.status, reason: `malformed lookup response: ${parsed.error.message}` };
      return { ok: true, value: parsed.data };
    },

    async heartbeat(nodeUuid, body) {
      const version = versionFor(HEARTBEAT_API_VERSION);
      const payload: Record<string, unknown> = { ...body };
      // Fields newer than the negotiated version would be refused (400): drop them.
      if (compareMicroversion(version, "1.68") < 0) delete payload.agent_verify_ca;
      if (compareMicroversion(version, "1.62") < 0) delete payload.agent_token;
      if (compareMicroversion(version, "1.36") < 0) delete payload.agent_version;
      const res = await request(`${base}/v1/heartbeat/${encodeURIComponent(nodeUuid)}`, {
        method: "POST",
        version,
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload),
      });
      if (typeof res === "string") return { ok: false, status: null, reason: res };
      if (res.status === 202 || res.ok) {
        await res.arrayBuffer().catch(() => {});
        return { ok: true, value: null };
      }
      return { ok: false, status: res.status, reason: await errorText(res) };
    },

    async postInventory(url, inventory) {
      // The full version, not the negotiated one: the endpoint does not exist below 1.84.
      const res = await request(url, {
        method: "POST",
        version: CONTINUE_INSPECTION_API_VERSION,
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ inventory }),
      });
      if (typeof res === "string") return { ok: false, status: null, reason: res };
      if (!res.ok) return { ok: false, status: res.status, reason: await errorText(res) };
      const parsed = DiscoveryResponseSchema.safeParse(await readJson(res));
      return { ok: true, value: parsed.success ? parsed.data.uuid : null };
    },
  };
  return client;
}

/** The body as JSON, or null when it is not JSON or nests deeper than any answer should. */
async function readJson(res: Response): Promise<unknown> {
  const text = await res.text().catch(() => "");
  if (!withinJsonDepth(text, MAX_AGENT_JSON_DEPTH)) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Ironic wraps errors as `{"error_message": "<json or text>"}`; show the faultstring. */
async function errorText(res: Response): Promise<string> {
  const text = await res.text().catch(() => "");
  return `${res.status}: ${parseIronicError(text).slice(0, 300)}`;
}
