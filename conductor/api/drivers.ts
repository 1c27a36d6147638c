/**
 * @module conductor/api/drivers
 * `/v1/drivers`: the enabled hardware types, with `?detail=True` (1.30) their default and
 * enabled interfaces, `?fields=` (1.77), `/{name}`, `/{name}/properties` and
 * `/{name}/raid/logical_disk_properties`, as Ironic.
 */
import { Hono } from "hono";
import { conductorError } from "../errors.ts";
import { defaultInterface, driverInterfaceInfo } from "../drivers/interfaces.ts";
import { DRIVER_PROPERTIES, RAID_LOGICAL_DISK_PROPERTIES } from "../drivers/properties.ts";
import type { ConductorContext } from "../orchestration/context.ts";
import { baseUrl, type ApiEnv } from "./env.ts";
import { FEATURE_MINOR, hideNewerFields } from "./versions.ts";

/** Interface kinds newer than 1.30 in the driver view: hidden for older clients, as Ironic. */
const DRIVER_FIELD_MINOR: Record<string, number> = {
  properties: FEATURE_MINOR.states_links,
  type: 30,
  default_storage_interface: 33, enabled_storage_interfaces: 33,
  default_rescue_interface: 38, enabled_rescue_interfaces: 38,
  default_bios_interface: 40, enabled_bios_interfaces: 40,
  default_firmware_interface: 86, enabled_firmware_interfaces: 86,
};

const truthy = (s: string | undefined) => s !== undefined && ["true", "1", "yes", "on", "y", "t"].includes(s.toLowerCase());
const notAcceptableBelow = (minor: number, need: number) => {
  if (minor < need) throw conductorError("INVALID_PARAMETER_406", { reason: `Request not acceptable. The minimal required API version should be 1.${need}` });
};

/**
 * @example
 * app.route("/v1/drivers", createDriverRoutes(ctx));
 */
export function createDriverRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const cfg = () => ctx.config.interfaces;

  const view = (c: import("hono").Context<ApiEnv>, name: string, detail: boolean, fields?: string[]) => {
    const base = baseUrl(c);
    const d: Record<string, unknown> = {
      name,
      hosts: [ctx.hostname],
      type: "dynamic",
      links: [{ href: `${base}/v1/drivers/${name}`, rel: "self" }, { href: `${base}/drivers/${name}`, rel: "bookmark" }],
      properties: [{ href: `${base}/v1/drivers/${name}/properties`, rel: "self" }, { href: `${base}/drivers/${name}/properties`, rel: "bookmark" }],
      ...(detail && c.get("minor") >= FEATURE_MINOR.dynamic_drivers ? driverInterfaceInfo(cfg(), name) : {}),
    };
    hideNewerFields(d, DRIVER_FIELD_MINOR, c.get("minor"));
    if (!fields) return d;
    const unknown = fields.filter((f) => !(f in d));
    if (unknown.length) throw conductorError("INVALID_PARAMETER", { reason: `Field(s) "${unknown.join(", ")}" are not valid` });
    return Object.fromEntries(fields.map((f) => [f, d[f]]));
  };
  const parseFields = (c: import("hono").Context<ApiEnv>) => {
    const raw = c.req.query("fields");
    if (raw === undefined) return undefined;
    if (c.get("minor") < FEATURE_MINOR.driver_fields) throw conductorError("NOT_ACCEPTABLE");
    return raw.split(",").map((f) => f.trim()).filter(Boolean);
  };
  const find = (name: string) => {
    if (!ctx.drivers.has(name)) throw conductorError("DRIVER_NOT_FOUND", { driver: name.slice(0, 255) });
    return name;
  };

  app.get("/", (c) => {
    const minor = c.get("minor");
    const detailRaw = c.req.query("detail");
    const type = c.req.query("type");
    const fields = parseFields(c);
    if (fields && truthy(detailRaw)) throw conductorError("INVALID_PARAMETER", { reason: "Can not specify ?detail=True and fields in the same request." });
    if (detailRaw !== undefined) notAcceptableBelow(minor, FEATURE_MINOR.dynamic_drivers);
    if (type !== undefined) notAcceptableBelow(minor, FEATURE_MINOR.dynamic_drivers);
    if (type !== undefined && type !== "classic" && type !== "dynamic") {
      throw conductorError("INVALID_PARAMETER", { reason: '"type" filter must be one of "classic" or "dynamic", if specified.' });
    }
    const names = type === "classic" ? [] : ctx.drivers.names();
    return c.json({ drivers: names.map((n) => view(c, n, truthy(detailRaw), fields)) });
  });
  app.get("/:name", (c) => c.json(view(c, find(c.req.param("name")), true, parseFields(c))));
  app.get("/:name/properties", (c) => c.json(DRIVER_PROPERTIES[find(c.req.param("name"))] ?? {}));
  app.get("/:name/raid/logical_disk_properties", (c) => {
    const name = find(c.req.param("name"));
    if (c.get("minor") < 12) throw conductorError("NOT_ACCEPTABLE");
    // Ironic asks the hardware type's default RAID interface; every one (no-raid included)
    // answers the schema's properties; no RAID interface at all is 404.
    try {
      defaultInterface(cfg(), name, "raid");
    } catch {
      throw conductorError("UNSUPPORTED_DRIVER_EXTENSION_404", { driver: name, extension: "raid" });
    }
    return c.json(RAID_LOGICAL_DISK_PROPERTIES);
  });
  return app;
}
