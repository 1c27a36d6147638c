/**
 * @module conductor/api/root
 * Version discovery: `GET /` (agents read `default_version.version`) and `GET /v1`.
 */
import { Hono } from "hono";
import { API_VERSION_HEADER } from "../../protocol/ramdisk-api.ts";
import { MAX_VERSION_HEADER, MIN_VERSION_HEADER } from "../../protocol/ironic-api.ts";
import { baseUrl, type ApiEnv } from "./env.ts";
import { MAX_VERSION, MIN_VERSION } from "./microversion.ts";

function versionDoc(base: string) {
  return { id: "v1", links: [{ href: `${base}/v1/`, rel: "self" }], status: "CURRENT", min_version: MIN_VERSION, version: MAX_VERSION };
}

/**
 * @example
 * app.route("/", createRootRoutes());
 */
export function createRootRoutes(): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get("/", (c) => {
    const base = baseUrl(c);
    c.header(MIN_VERSION_HEADER, MIN_VERSION);
    c.header(MAX_VERSION_HEADER, MAX_VERSION);
    return c.json({
      name: "OpenStack Ironic API",
      description: "Ironic-compatible API of the Teeth conductor.",
      default_version: versionDoc(base),
      versions: [versionDoc(base)],
    });
  });
  const v1 = (c: import("hono").Context<ApiEnv>) => {
    const base = baseUrl(c);
    const l = (p: string) => [
      { href: `${base}/v1/${p}/`, rel: "self" },
      { href: `${base}/${p}/`, rel: "bookmark" },
    ];
    c.header(API_VERSION_HEADER, `1.${c.get("minor")}`);
    return c.json({
      id: "v1",
      links: [{ href: `${base}/v1/`, rel: "self" }],
      media_types: [{ base: "application/json", type: "application/vnd.openstack.ironic.v1+json" }],
      nodes: l("nodes"),
      ports: l("ports"),
      drivers: l("drivers"),
      lookup: l("lookup"),
      heartbeat: l("heartbeat"),
      version: versionDoc(base),
    });
  };
  app.get("/v1", v1);
  app.get("/v1/", v1);
  return app;
}
