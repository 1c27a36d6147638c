/**
 * @module conductor/api/resources/events
 * `POST /v1/events` (API 1.54+): Neutron's port events (bind, unbind, delete), validated
 * with Ironic's schema and logged; answered 204. Teeth has no network interface that acts
 * on them.
 */
import { Hono } from "hono";
import { z } from "zod";
import { MacAddressSchema } from "../../../protocol/ironic-api.ts";
import { uuidField } from "../../../protocol/ironic-fields.ts";
import type { ConductorContext } from "../../orchestration/context.ts";
import { gate } from "../collection.ts";
import type { ApiEnv } from "../env.ts";
import { readBody } from "../validate.ts";

export const EVENTS_MINOR = 54;

const optionalUuid = (f: string) => uuidField(f).nullable().optional();

const NetworkEventSchema = z
  .object({
    event: z.enum(["network.bind_port", "network.unbind_port", "network.delete_port"]),
    port_id: uuidField("port_id"),
    mac_address: MacAddressSchema,
    status: z.string().max(255),
    device_id: optionalUuid("device_id"),
    "binding:host_id": optionalUuid("binding:host_id"),
    "binding:vnic_type": z.string().max(255).nullable().optional(),
  })
  .strict();

const EventsSchema = z.object({ events: z.array(NetworkEventSchema).min(1).max(1000) }).strict();

/**
 * @example app.route("/v1/events", createEventRoutes(ctx));
 */
export function createEventRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  void ctx;
  app.post("/", async (c) => {
    gate(c, EVENTS_MINOR);
    const { events } = await readBody(c, EventsSchema);
    for (const e of events) c.get("log").info({ event: e.event, port_id: e.port_id, mac_address: e.mac_address, status: e.status }, "network event received");
    return c.body(null, 204);
  });
  return app;
}
