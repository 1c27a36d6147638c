/**
 * @module conductor/api/root
 * Version discovery: `GET /` (agents read `default_version.version`) and `GET /v1`.
 */
import { Hono } from "hono";
import { API_VERSION_HEADER } from "../../protocol/ramdisk-api.ts";
import { MAX_VERSION_HEADER, MIN_VERSION_HEADER } from "../../protocol/ironic-api.ts";
import { baseUrl, type ApiEnv } from "./env.ts";
import { MAX_VERSION, MIN_VERSION } from "./microversion.ts";

/** The collections `GET /v1` links to, by the minor that added them (Ironic's `v1()`). */
const V1_COLLECTIONS: Record<string, number> = {
  chassis: 1, nodes: 1, ports: 1, drivers: 1, lookup: 22, heartbeat: 22, portgroups: 23, volume: 32,
  conductors: 49, allocations: 52, events: 54, deploy_templates: 55, shards: 82,
};

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
    const minor = c.get("minor");
    c.header(API_VERSION_HEADER, `1.${minor}`);
    const doc: Record<string, unknown> = {
      id: "v1",
      links: [
        { href: `${base}/v1/`, rel: "self" },
        { href: "https://docs.openstack.org//ironic/latest/contributor//webapi.html", rel: "describedby", type: "text/html" },
      ],
      media_types: { base: "application/json", type: "application/vnd.openstack.ironic.v1+json" },
    };
    for (const [name, since] of Object.entries(V1_COLLECTIONS)) {
      if (minor >= since) doc[name] = [{ href: `${base}/v1/${name}/`, rel: "self" }, { href: `${base}/${name}/`, rel: "bookmark" }];
    }
    doc.version = versionDoc(base);
    return c.json(doc);
  };
  app.get("/v1", v1);
  app.get("/v1/", v1);
  return app;
}
