/**
 * @module conductor/drivers/redfish/system
 * The node's ComputerSystem: `redfish_system_id` when given, else the only member of the
 * `Systems` collection (as sushy's `get_system(None)`), found once per connection. Several
 * members without a `redfish_system_id` is a driver_info problem, named with the choices.
 */
import { z } from "zod";
import { conductorError } from "../../errors.ts";
import type { Budget } from "./budget.ts";
import { httpError } from "./bmc-errors.ts";
import type { RedfishConnection } from "./connection.ts";

const Link = z.looseObject({ "@odata.id": z.string() });

/** The part of a ComputerSystem this driver reads (DMTF ComputerSystem v1.x). */
export const ComputerSystemSchema = z.looseObject({
  "@odata.id": z.string().optional(),
  PowerState: z.string().nullish(),
  Boot: z
    .looseObject({
      BootSourceOverrideTarget: z.string().nullish(),
      "BootSourceOverrideTarget@Redfish.AllowableValues": z.array(z.string()).nullish(),
      BootSourceOverrideEnabled: z.string().nullish(),
      BootSourceOverrideMode: z.string().nullish(),
    })
    .nullish(),
  Actions: z
    .looseObject({
      "#ComputerSystem.Reset": z
        .looseObject({
          target: z.string(),
          "ResetType@Redfish.AllowableValues": z.array(z.string()).nullish(),
          "@Redfish.ActionInfo": z.string().nullish(),
        })
        .nullish(),
    })
    .nullish(),
});
export type ComputerSystem = z.infer<typeof ComputerSystemSchema>;

const CollectionSchema = z.looseObject({ Members: z.array(Link).default([]) });
const ActionInfoSchema = z.looseObject({
  Parameters: z.array(z.looseObject({ Name: z.string(), AllowableValues: z.array(z.string()).nullish() })).default([]),
});

export interface SystemView {
  path: string;
  doc: ComputerSystem;
  /** For `If-Match` on a PATCH. */
  etag: string | null;
}

async function discover(conn: RedfishConnection, budget: Budget): Promise<string> {
  const bmc = conn.target.origin;
  const root = await conn.root(budget);
  const collection = root.Systems?.["@odata.id"] ?? `${conn.target.rootPrefix}Systems`;
  const r = await conn.request("GET", collection, budget);
  if (r.status !== 200) throw httpError(r.status, r.json, { bmc, action: "list the Systems collection", secrets: [conn.target.password] });
  const parsed = CollectionSchema.safeParse(r.json);
  if (!parsed.success) throw conductorError("BMC_ERROR", { driver: "redfish", bmc, action: "list the Systems collection", reason: `${collection} is not a collection` });
  const members = parsed.data.Members.map((m) => m["@odata.id"]);
  if (members.length === 0) throw conductorError("BMC_ERROR", { driver: "redfish", bmc, action: "find the system", reason: `the BMC lists no ComputerSystem in ${collection}` });
  if (members.length > 1) {
    const shown = members.slice(0, 5).join(", ") + (members.length > 5 ? ", ..." : "");
    throw conductorError("DRIVER_INFO_INVALID", {
      reason: `the BMC at ${bmc} manages ${members.length} systems (${shown}); set driver_info/redfish_system_id to the one this node is`,
    });
  }
  return members[0]!;
}

/**
 * Reads the node's ComputerSystem: `systemId` (its `redfish_system_id`), else the BMC's only one.
 * @example
 * const { doc, etag, path } = await readSystem(conn, null, budget);
 * doc.PowerState; // "On"
 */
export async function readSystem(conn: RedfishConnection, systemId: string | null, budget: Budget): Promise<SystemView> {
  const bmc = conn.target.origin;
  for (let tries = 0; ; tries++) {
    const explicit = systemId;
    const path = explicit ?? (conn.systemPath ??= await discover(conn, budget));
    const r = await conn.request("GET", path, budget);
    if (r.status === 404 && !explicit && tries === 0) {
      conn.systemPath = null; // the BMC renumbered its systems: find it again, once
      continue;
    }
    if (r.status === 404) throw conductorError("BMC_ERROR", { driver: "redfish", bmc, action: "read the system", reason: `The Redfish System "${path}" was not found` });
    if (r.status !== 200) throw httpError(r.status, r.json, { bmc, action: "read the system", secrets: [conn.target.password] });
    const parsed = ComputerSystemSchema.safeParse(r.json);
    if (!parsed.success) throw conductorError("BMC_ERROR", { driver: "redfish", bmc, action: "read the system", reason: `${path} is not a ComputerSystem` });
    return { path, doc: parsed.data, etag: r.etag };
  }
}

/**
 * The ResetType values the system accepts: its `@Redfish.AllowableValues`, else its
 * `@Redfish.ActionInfo`'s; null when the BMC does not say (sushy then assumes all).
 */
export async function allowedResetTypes(conn: RedfishConnection, system: ComputerSystem, budget: Budget): Promise<string[] | null> {
  const action = system.Actions?.["#ComputerSystem.Reset"];
  if (!action) return null;
  if (action["ResetType@Redfish.AllowableValues"]) return action["ResetType@Redfish.AllowableValues"];
  const info = action["@Redfish.ActionInfo"];
  if (!info) return null;
  const r = await conn.request("GET", info, budget);
  const parsed = r.status === 200 ? ActionInfoSchema.safeParse(r.json) : null;
  return parsed?.success ? (parsed.data.Parameters.find((p) => p.Name === "ResetType")?.AllowableValues ?? null) : null;
}
