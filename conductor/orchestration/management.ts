/**
 * @module conductor/orchestration/management
 * The boot device through the node's BMC (`/v1/nodes/{id}/management/boot_device`), as
 * Ironic's conductor does it: the driver must validate, a device outside the node's supported
 * ones is refused before the BMC is asked, and a change takes the node's lock (reads do not:
 * the driver contract lets them run at any time).
 */
import { conductorError } from "../errors.ts";
import { BOOT_DEVICES, type BootDevice, type BootDeviceSetting, type HardwareType } from "../drivers/driver-contract.ts";
import type { NodeRecord } from "../store/node-record.ts";
import type { ConductorContext } from "./context.ts";
import { bounded } from "./power-timeouts.ts";

/** The node and its driver, or Ironic's 404 / 400 (driver cannot work: the validation's reason). */
function usable(ctx: ConductorContext, ident: string): { node: NodeRecord; driver: HardwareType } {
  const node = ctx.store.nodes.find(ident);
  if (!node) throw conductorError("NODE_NOT_FOUND", { node: ident });
  const driver = ctx.drivers.get(node.driver);
  const problem = driver.validate(node);
  if (problem) throw conductorError("INVALID_PARAMETER", { reason: problem });
  return { node, driver };
}

/**
 * Sets the next boot device (`persistent`: every boot). Resolves once the BMC took it.
 * @example
 * await setBootDevice(ctx, "web-1", "pxe", true);
 */
export async function setBootDevice(ctx: ConductorContext, ident: string, device: string, persistent: boolean): Promise<void> {
  const { node, driver } = usable(ctx, ident);
  const release = ctx.locks.tryLock(node.uuid, "setting boot device");
  if (!release) throw conductorError("NODE_LOCKED", { node: node.uuid, host: ctx.hostname });
  try {
    const timeout = ctx.config.power.action_timeout_s;
    const supported = BOOT_DEVICES.includes(device as BootDevice)
      ? await bounded(node, "get supported boot devices", timeout, () => driver.management.getSupportedBootDevices(node))
      : [];
    if (!supported.includes(device as BootDevice)) throw conductorError("INVALID_PARAMETER", { reason: `Invalid boot device ${device} specified.` });
    await bounded(node, `set boot device ${device}`, timeout, () => driver.management.setBootDevice(node, device as BootDevice, { persistent }));
    ctx.log.info({ node: node.uuid, boot_device: device, persistent }, "boot device set");
  } finally {
    release();
  }
}

/**
 * The boot device the BMC reports (`null`s when it does not say).
 * @example
 * await getBootDevice(ctx, "web-1"); // { boot_device: "pxe", persistent: false }
 */
export async function getBootDevice(ctx: ConductorContext, ident: string): Promise<BootDeviceSetting> {
  const { node, driver } = usable(ctx, ident);
  return bounded(node, "get boot device", ctx.config.power.action_timeout_s, () => driver.management.getBootDevice(node));
}

/**
 * The devices `setBootDevice` accepts for this node.
 * @example
 * await getSupportedBootDevices(ctx, "web-1"); // ["pxe", "disk", "cdrom", "bios", "safe"]
 */
export async function getSupportedBootDevices(ctx: ConductorContext, ident: string): Promise<BootDevice[]> {
  const node = ctx.store.nodes.find(ident);
  if (!node) throw conductorError("NODE_NOT_FOUND", { node: ident });
  const driver = ctx.drivers.get(node.driver);
  return bounded(node, "get supported boot devices", ctx.config.power.action_timeout_s, () => driver.management.getSupportedBootDevices(node));
}
