/**
 * @module cli/client
 * The CLI's HTTP client of the conductor API: sends the microversion, the bearer token or the
 * HTTP basic credentials when configured, and turns Ironic error bodies into one-line messages.
 */
import { parseIronicError } from "../protocol/ironic-api.ts";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiClient {
  readonly url: string;
  request<T = any>(method: string, path: string, body?: unknown): Promise<T>;
}

/**
 * @example
 * const api = createApiClient({ url: "http://127.0.0.1:6385" });
 * const { nodes } = await api.request("GET", "/v1/nodes");
 */
export function createApiClient(options: { url: string; token?: string; basic?: { user: string; password: string }; fetch?: typeof fetch }): ApiClient {
  const base = options.url.replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;
  return {
    url: base,
    async request(method, path, body) {
      const headers: Record<string, string> = { "X-OpenStack-Ironic-API-Version": "1.89", Accept: "application/json" };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      if (options.token) headers.Authorization = `Bearer ${options.token}`;
      else if (options.basic) headers.Authorization = `Basic ${Buffer.from(`${options.basic.user}:${options.basic.password}`).toString("base64")}`;
      let res: Response;
      try {
        res = await doFetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      } catch (e) {
        throw new ApiError(0, `cannot reach the conductor at ${base}: ${(e as Error).message}`);
      }
      const text = await res.text();
      if (!res.ok) throw new ApiError(res.status, parseIronicError(text) || `HTTP ${res.status}`);
      return (text ? JSON.parse(text) : null) as never;
    },
  };
}
