/**
 * @module test/ironic/differential
 * The one request helper of the differential tests: the same request to the real Ironic and
 * to the Teeth conductor, each answer reduced to what the tests compare (status, Location,
 * JSON body, the error's text). Each test says how its sides differ in names (`path`: a
 * placeholder to this side's UUID; `text`: this side's UUIDs, host and times to placeholders);
 * both sides' base URLs always read `BASE`.
 */
export type Side = "ironic" | "teeth";

export interface Answer {
  status: number;
  /** The Location header, base URL replaced. */
  location: string | null;
  body: any;
  /**
   * The error's text: `faultstring` of Ironic's controllers, or `webob: <description>` of its
   * version checks; each side's maximum version (1.82 / 1.89) reads `<max>`.
   */
  fault: string | null;
}

export interface DiffOptions {
  /** The two base URLs, read at each call (the servers start after the helper is made). */
  bases: () => Record<Side, string>;
  /** Rewrites a request path for one side (e.g. `{name}` to that side's UUID). */
  path?: (side: Side, path: string) => string;
  /** Rewrites one side's answer text before it is parsed (its UUIDs, host, timestamps). */
  text?: (side: Side, text: string) => string;
}

export interface Diff {
  /** One request to one side; `version` "" sends no version header. */
  call(side: Side, method: string, path: string, body?: unknown, version?: string): Promise<Answer>;
  /** The same request to Ironic, then to Teeth. */
  both(method: string, path: string, body?: unknown, version?: string): Promise<Record<Side, Answer>>;
}

/**
 * @example
 * const diff = createDiff({ bases: () => ({ ironic: ironic.url, teeth: teeth.url }) });
 * const r = await diff.both("GET", "/v1/nodes?retired=True");
 * expect(r.teeth.status).toBe(r.ironic.status);
 */
export function createDiff(options: DiffOptions): Diff {
  async function call(side: Side, method: string, path: string, body?: unknown, version = "1.82"): Promise<Answer> {
    const base = options.bases()[side];
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (version) headers["X-OpenStack-Ironic-API-Version"] = version;
    const r = await fetch(base + (options.path?.(side, path) ?? path), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let text = (await r.text()).replaceAll(base, "BASE");
    if (options.text) text = options.text(side, text);
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {}
    let fault: string | null = null;
    if (json?.error_message) {
      const inner = JSON.parse(json.error_message);
      fault = inner.faultstring ?? (inner.description !== undefined ? `webob: ${inner.description}` : null);
      fault = fault?.replace(/, 1\.(82|89)\]/, ", <max>]") ?? null;
    }
    return { status: r.status, location: r.headers.get("location")?.replace(base, "BASE") ?? null, body: json, fault };
  }
  return {
    call,
    async both(method, path, body, version) {
      const ironic = await call("ironic", method, path, body, version);
      const teeth = await call("teeth", method, path, body, version);
      return { ironic, teeth };
    },
  };
}

/** A value's JSON shape: its keys (sorted, recursively) and leaf types. */
export function shape(v: unknown): unknown {
  if (v === null) return "null";
  if (Array.isArray(v)) return v.length ? [shape(v[0])] : [];
  if (typeof v === "object") return Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, shape(x)]));
  return typeof v;
}
