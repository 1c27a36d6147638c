/**
 * @module hardware-managers/generic/inventory-ops
 * `list_hardware_info` (the inventory) and `get_os_install_device` (the disk an image is
 * written to, chosen by root device hints).
 */
import type { ManagerContext, Operations } from "../contract/index.ts";
import { selectInstallDevice } from "../../machine/inventory/root-device-hints.ts";

/**
 * The node's hints: instance_info wins over properties, as in Ironic, since it is set per
 * deployment. Either may be an object or a JSON string; parsing is left to the selector.
 */
export function rootDeviceHintsOf(node: ManagerContext["node"]): unknown {
  const field = (holder: unknown) =>
    holder && typeof holder === "object" ? (holder as Record<string, unknown>).root_device : undefined;
  const fromInstance = field(node?.instance_info);
  if (fromInstance !== undefined && fromInstance !== null && fromInstance !== "") return fromInstance;
  return field(node?.properties);
}

/**
 * @example
 * await registry.dispatch("get_os_install_device", ctx, {}); // { result: "/dev/sda", manager: "generic_hardware_manager" }
 */
export const inventoryOperations = {
  list_hardware_info: async (ctx) => await ctx.inventory({ refresh: true }),

  get_os_install_device: async (ctx, args) => {
    const hints = args.root_device !== undefined ? args.root_device : rootDeviceHintsOf(ctx.node);
    const { disks } = await ctx.inventory();
    return selectInstallDevice(disks, hints, ctx.logger).name;
  },
} satisfies Operations;
