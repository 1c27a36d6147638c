/**
 * @module conductor/api/node-raid
 * `PUT /v1/nodes/{id}/states/raid` (API 1.12): sets the node's `target_raid_config`, validated
 * against Ironic's RAID schema (`logical_disks` of `raid_level`, `size_gb` (integer or "MAX"),
 * optional volume_name, is_root_volume, share_physical_disks, disk_type, interface_type,
 * number_of_physical_disks, controller, physical_disks; at most one root volume). An empty
 * object clears it. A node whose raid_interface is `no-raid` refuses any other config with
 * Ironic's 404. The config is only recorded: no Teeth clean step builds RAID yet (the `agent`
 * RAID interface's create_configuration/delete_configuration steps are not implemented).
 */
import { Hono } from "hono";
import { conductorError } from "../errors.ts";
import type { ConductorContext } from "../orchestration/context.ts";
import type { ApiEnv } from "./env.ts";
import { nodeInterface, requireUnlocked, subresourceNode } from "./subresource.ts";
import { parseJson, readText } from "./validate.ts";

export const RAID_MINOR = 12;
const RAID_LEVELS = ["JBOD", "0", "1", "2", "5", "6", "1+0", "5+0", "6+0"];
const DISK_KEYS = new Set([
  "raid_level", "size_gb", "volume_name", "is_root_volume", "share_physical_disks", "disk_type", "interface_type",
  "number_of_physical_disks", "controller", "physical_disks",
]);

const py = (v: unknown) => (typeof v === "string" ? `'${v.slice(0, 100)}'` : JSON.stringify(v)?.slice(0, 100) ?? "None");
const list = (vs: string[]) => `[${vs.map((v) => `'${v}'`).join(", ")}]`;

/** The first schema violation, in jsonschema's words as Ironic reports them, or null. */
export function raidConfigProblem(config: Record<string, unknown>): string | null {
  // jsonschema (as Ironic reports it) names a missing required property before extra ones.
  const disks = config.logical_disks;
  if (disks === undefined) return "'logical_disks' is a required property";
  const extra = Object.keys(config).filter((k) => k !== "logical_disks");
  if (extra.length) return `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(", ")} ${extra.length > 1 ? "were" : "was"} unexpected)`;
  if (!Array.isArray(disks)) return `${py(disks)} is not of type 'array'`;
  if (disks.length < 1) return "[] is too short";
  for (const d of disks) {
    if (typeof d !== "object" || d === null || Array.isArray(d)) return `${py(d)} is not of type 'object'`;
    const disk = d as Record<string, unknown>;
    for (const k of ["raid_level", "size_gb"]) if (!(k in disk)) return `'${k}' is a required property`;
    const unknown = Object.keys(disk).filter((k) => !DISK_KEYS.has(k));
    if (unknown.length) return `Additional properties are not allowed (${unknown.map((k) => `'${k}'`).join(", ")} ${unknown.length > 1 ? "were" : "was"} unexpected)`;
    if (!RAID_LEVELS.includes(disk.raid_level as string)) return `${py(disk.raid_level)} is not one of ${list(RAID_LEVELS)}`;
    const size = disk.size_gb;
    if (typeof size === "string" && size !== "MAX") return `${py(size)} is not one of ['MAX']`;
    if (typeof size !== "string" && !(Number.isInteger(size) && (size as number) >= 0)) return `${py(size)} is not valid under any of the given schemas`;
    for (const k of ["is_root_volume", "share_physical_disks"]) if (k in disk && typeof disk[k] !== "boolean") return `${py(disk[k])} is not of type 'boolean'`;
    for (const k of ["volume_name", "controller"]) if (k in disk && typeof disk[k] !== "string") return `${py(disk[k])} is not of type 'string'`;
    if ("disk_type" in disk && !["hdd", "ssd"].includes(disk.disk_type as string)) return `${py(disk.disk_type)} is not one of ['hdd', 'ssd']`;
    if ("interface_type" in disk && !["sata", "scsi", "sas"].includes(disk.interface_type as string)) return `${py(disk.interface_type)} is not one of ['sata', 'scsi', 'sas']`;
    const n = disk.number_of_physical_disks;
    if (n !== undefined && !(Number.isInteger(n) && (n as number) > 0)) return `${py(n)} is less than or equal to the minimum of 0`;
    const pd = disk.physical_disks;
    if (pd !== undefined) {
      const strings = Array.isArray(pd) && pd.every((x) => typeof x === "string");
      const objects = Array.isArray(pd) && pd.length >= 2 && pd.every((x) => typeof x === "object" && x !== null && !Array.isArray(x));
      if (!strings && !objects) return `${py(pd)} is not valid under any of the given schemas`;
      if (!("controller" in disk)) return "'controller' is a dependency of 'physical_disks'";
    }
  }
  return null;
}

/**
 * @example
 * app.route("/v1/nodes", createNodeRaidRoutes(ctx));
 */
export function createNodeRaidRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.put("/:ident/states/raid", async (c) => {
    const node = subresourceNode(ctx, c);
    if (c.get("minor") < RAID_MINOR) throw conductorError("NOT_ACCEPTABLE");
    const config = parseJson(await readText(c));
    if (typeof config !== "object" || config === null || Array.isArray(config)) {
      throw conductorError("INVALID_PARAMETER", { reason: `Expected types <class 'dict'> for target_raid_config: ${JSON.stringify(config).slice(0, 200)}` });
    }
    const target = config as Record<string, unknown>;
    requireUnlocked(ctx, node);
    if (Object.keys(target).length) {
      if (nodeInterface(node, "raid", "no-raid") === "no-raid") throw conductorError("RAID_UNSUPPORTED", { driver: node.driver });
      const problem = raidConfigProblem(target);
      if (problem) throw conductorError("INVALID_PARAMETER", { reason: `RAID config validation error: ${problem}` });
      const roots = (target.logical_disks as Record<string, unknown>[]).filter((d) => d.is_root_volume === true).length;
      if (roots > 1) throw conductorError("INVALID_PARAMETER", { reason: `Raid config cannot have more than one root volume. ${roots} root volumes were specified` });
    }
    ctx.store.nodes.update(node.uuid, { attrs: { ...node.attrs, target_raid_config: target }, updated_at: Date.now() });
    return c.body(null, 204);
  });
  return app;
}
