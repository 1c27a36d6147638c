/**
 * @module conductor/orchestration/validate-interfaces
 * `GET /v1/nodes/{id}/validate`: whether each of the node's interfaces could work now, in
 * Ironic 21.4's shape and wording (`{"power": {"result": true}, "console": {"result": false,
 * "reason": "Driver ipmi does not support console (disabled or not implemented)."}, ...}`).
 * Power, management and boot are the driver's `validate` (no BMC call); deploy checks the
 * image in instance_info; what Teeth does not implement is reported as Ironic's no-* interfaces.
 */
import { isTeethError } from "../../common/branded-error.ts";
import type { ValidatedInterface } from "../drivers/driver-contract.ts";
import { nodeInterface } from "../drivers/interfaces.ts";
import type { NodeRecord } from "../store/node-record.ts";
import type { ConductorContext } from "./context.ts";
import { validateRebootMethod } from "./reboot-method.ts";

/** One interface's answer; `reason` only when `result` is false, as Ironic. */
export type InterfaceResult = { result: true } | { result: false; reason: string };

/** Ironic's order: the core interfaces, then the optional ones. */
export const VALIDATED_INTERFACES: readonly ValidatedInterface[] = [
  "boot", "deploy", "management", "network", "power", "bios", "console", "inspect", "raid", "rescue", "storage",
];

/** Interfaces Teeth has no implementation of (Ironic's no-bios, no-console, no-raid, no-rescue). */
const NOT_IMPLEMENTED = new Set<ValidatedInterface>(["bios", "console", "raid", "rescue"]);

function outcome(check: () => string | null): InterfaceResult {
  try {
    const reason = check();
    return reason ? { result: false, reason } : { result: true };
  } catch (e) {
    if (isTeethError(e)) return { result: false, reason: e.message };
    return { result: false, reason: `Unexpected exception: ${(e as Error).message}` };
  }
}

/**
 * Validates every interface of `node`. Makes no BMC call.
 * @example
 * validateInterfaces(ctx, node).deploy;
 * // { result: false, reason: "Node ... failed to validate deploy image info. ... ['instance_info.image_source']" }
 */
export function validateInterfaces(ctx: ConductorContext, node: NodeRecord): Record<ValidatedInterface, InterfaceResult> {
  const driver = ctx.drivers.get(node.driver);
  const driverCheck = () => driver.validate(node);
  const out = {} as Record<ValidatedInterface, InterfaceResult>;
  for (const iface of VALIDATED_INTERFACES) {
    const impl = nodeInterface(node, iface);
    if (NOT_IMPLEMENTED.has(iface) && !(impl === "fake" || impl === "agent")) {
      out[iface] = { result: false, reason: `Driver ${node.driver} does not support ${iface} (disabled or not implemented).` };
      continue;
    }
    switch (iface) {
      case "power":
      case "management":
      case "boot":
        out[iface] = outcome(driverCheck);
        break;
      case "deploy":
        // Ironic's fake deploy validates nothing.
        if (nodeInterface(node, "deploy") === "fake") {
          out[iface] = { result: true };
          break;
        }
        out[iface] = outcome(() => {
          ctx.images.validate(node);
          validateRebootMethod(node);
          return null;
        });
        break;
      case "inspect":
        out[iface] = impl === "no-inspect" ? { result: false, reason: `Driver ${node.driver} does not support inspect (disabled or not implemented).` } : { result: true };
        break;
      default:
        // network and storage are no-ops (Ironic's `noop`); inspection runs through the agent.
        out[iface] = { result: true };
    }
  }
  return out;
}
