/**
 * @module conductor/orchestration/reboot-method
 * How a deploy ends: `deploy_reboot_method` in the node's `instance_info` (wins) or
 * `driver_info`: `power` (the default: power off and on through the BMC, the firmware boots
 * the disk) or `kexec` (the agent jumps into the deployed OS's kernel: no firmware POST).
 * Checked where Ironic checks such deploy options: when the deploy is requested (400) and by
 * `GET /v1/nodes/{id}/validate` (the deploy interface).
 */
import { conductorError } from "../errors.ts";
import type { NodeRecord } from "../store/node-record.ts";

export const REBOOT_METHODS = ["power", "kexec"] as const;
export type RebootMethod = (typeof REBOOT_METHODS)[number];

/** The value in force and where it came from, unvalidated. */
function raw(node: Pick<NodeRecord, "instance_info" | "driver_info">): { value: unknown; field: string } | null {
  if (node.instance_info?.deploy_reboot_method !== undefined) return { value: node.instance_info.deploy_reboot_method, field: "instance_info" };
  if (node.driver_info?.deploy_reboot_method !== undefined) return { value: node.driver_info.deploy_reboot_method, field: "driver_info" };
  return null;
}

/**
 * Throws Ironic's InvalidParameterValue (400) for a value that is neither `power` nor `kexec`.
 * @example
 * validateRebootMethod({ instance_info: { deploy_reboot_method: "warp" }, driver_info: {} });
 * // throws: Invalid value for instance_info/deploy_reboot_method: 'warp'. Supported values are: power, kexec.
 */
export function validateRebootMethod(node: Pick<NodeRecord, "instance_info" | "driver_info">): void {
  const r = raw(node);
  if (r && !(typeof r.value === "string" && (REBOOT_METHODS as readonly string[]).includes(r.value))) {
    throw conductorError("INVALID_PARAMETER", { reason: `Invalid value for ${r.field}/deploy_reboot_method: ${JSON.stringify(r.value).replaceAll('"', "'")}. Supported values are: ${REBOOT_METHODS.join(", ")}.` });
  }
}

/**
 * @example
 * rebootMethod({ instance_info: {}, driver_info: { deploy_reboot_method: "kexec" } }); // "kexec"
 */
export function rebootMethod(node: Pick<NodeRecord, "instance_info" | "driver_info">): RebootMethod {
  const v = raw(node)?.value;
  return v === "kexec" ? "kexec" : "power";
}
