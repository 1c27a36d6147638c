/**
 * @module hardware-managers/generic/firmware/steps
 * `update_firmware` as an in-band step. Interface "deploy": Ironic forwards deploy-interface
 * steps to the agent (a "management" step would go to the BMC driver instead, which has its
 * own out-of-band `update_firmware`). Priority 0: only on request (manual cleaning, servicing).
 * `reboot_requested` is static in Ironic's step cache, so it says "may need a reboot"; the
 * step's result tells precisely.
 */
import type { StepDefinition } from "../../../protocol/steps.ts";

export const firmwareCleanSteps: StepDefinition[] = [
  {
    step: "update_firmware",
    priority: 0,
    interface: "deploy",
    reboot_requested: true,
    abortable: false,
    argsinfo: {
      firmware_images: {
        description: "List of {component, url, checksum, version?}: components bios, uefi, nvme:<serial>, or vendor-defined",
        required: true,
      },
    },
  },
];
