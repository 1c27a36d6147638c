/**
 * @module hardware-managers/generic/erase-ops
 * Disk erasure: the clean/deploy steps `erase_devices`, `erase_devices_metadata`,
 * `erase_devices_express`, the per-device `erase_block_device`, and the `secure_erase` command
 * (`hardware.secure_erase`). The logic lives in `./erase/`.
 */
import type { EraseBlockDeviceArgs, Operations } from "../contract/index.ts";
import { EraseErrors, eraseDevices } from "./erase/erase-devices.ts";
import { realHostFs, type HostFs } from "../../machine/host-fs.ts";
import { forgetCachedImage } from "./image-cache.ts";

export { eraseCleanSteps, eraseDeploySteps } from "./erase/steps.ts";
export type { EraseReport, DeviceReport } from "./erase/erase-devices.ts";

/** `erase_block_device` takes IPA's `{block_device: {name}}` or a plain `{device}`. */
function blockDeviceName(args: EraseBlockDeviceArgs): string {
  const bd = args.block_device;
  const name = typeof args.device === "string" ? args.device : typeof bd?.name === "string" ? bd.name : null;
  if (name === null) throw EraseErrors.invalidArgs("erase_block_device needs `device` (or `block_device.name`)");
  return name;
}

/**
 * The erase operations, over a host seam (tests pass a fake or the real one).
 * @example
 * const ops = createEraseOperations({ fs: realHostFs });
 * await ops.secure_erase(ctx, { devices: ["/dev/sdb"], method: "zero" });
 */
export function createEraseOperations(deps: { fs: HostFs }) {
  const { fs } = deps;
  // Cleaning leaves nothing of an image behind, and nothing remembered about one either.
  const erase: typeof eraseDevices = (ctx, args, options) => {
    forgetCachedImage(ctx, "disks erased");
    return eraseDevices(ctx, args, options);
  };
  return {
    /** IPA's erase_devices: the full ladder on every disk. */
    erase_devices: (ctx, args) => erase(ctx, args, { fs, method: typeof args.method === "string" ? undefined : "auto" }),
    erase_devices_metadata: (ctx, args) => erase(ctx, args, { fs, method: "metadata" }),
    erase_devices_express: (ctx, args) => erase(ctx, args, { fs, method: "express" }),
    erase_block_device: (ctx, args) => erase(ctx, { ...args, devices: [blockDeviceName(args)] }, { fs }),
    /** The `hardware.secure_erase` command: every knob in args, see hardware-managers/README.md. */
    secure_erase: (ctx, args) => erase(ctx, args, { fs }),
  } satisfies Operations;
}

export const eraseOperations = createEraseOperations({ fs: realHostFs });
