/**
 * @module hardware-managers/generic/firmware-ops
 * Firmware: the `update_firmware` step, the `flash_firmware` command (`hardware.flash_firmware`),
 * and the generic manager's claims on components `nvme:<serial>` and `bios`/`uefi` (via
 * fwupdtool). The per-component convention is in `../contract/firmware-component.ts`.
 */
import type { Operations } from "../contract/index.ts";
import { realHostFs, type HostFs } from "../../machine/host-fs.ts";
import { flashFirmware } from "./firmware/flash-firmware.ts";
import { claimNvme, flashNvme } from "./firmware/nvme-firmware.ts";
import { claimSystemFirmware, flashSystemFirmware } from "./firmware/uefi-capsule.ts";

export { firmwareCleanSteps } from "./firmware/steps.ts";
export type { FirmwareReport, ComponentReport } from "../contract/firmware-component.ts";

/**
 * @example
 * const ops = createFirmwareOperations({ fs: realHostFs });
 * await ops.flash_firmware(ctx, { firmware_images: [{ component: "nvme:S4EV", url, checksum, version: "2B2QEXM7" }] });
 */
export function createFirmwareOperations(deps: { fs: HostFs }) {
  return {
    update_firmware: flashFirmware,
    flash_firmware: flashFirmware,
    claims_firmware_component: (ctx, args) => {
      const { component } = args;
      if (typeof component === "string" && component.startsWith("nvme:")) return claimNvme(ctx, deps.fs, component);
      return claimSystemFirmware(ctx, String(component));
    },
    flash_firmware_component: (ctx, req) => {
      if (req.component.startsWith("nvme:")) return flashNvme(ctx, deps.fs, req);
      return flashSystemFirmware(ctx, req);
    },
  } satisfies Operations;
}

export const firmwareOperations = createFirmwareOperations({ fs: realHostFs });
