/**
 * @module hardware-managers/generic
 * The generic hardware manager: what every Linux server can do with standard tools.
 * Each concern lives in its own module and contributes operations and steps here.
 */
import { HardwareSupport, defineHardwareManager } from "../contract/index.ts";
import { inventoryOperations } from "./inventory-ops.ts";
import { imageOperations, imageDeploySteps } from "./image-ops.ts";
import { eraseOperations, eraseCleanSteps, eraseDeploySteps } from "./erase-ops.ts";
import { firmwareOperations, firmwareCleanSteps } from "./firmware-ops.ts";
import { bootloaderOperations } from "./bootloader-ops.ts";

export const GENERIC_MANAGER_NAME = "generic_hardware_manager";
export const GENERIC_MANAGER_VERSION = "1.2";

export const genericHardwareManager = defineHardwareManager({
  name: GENERIC_MANAGER_NAME,
  version: GENERIC_MANAGER_VERSION,
  evaluateSupport: () => HardwareSupport.GENERIC,
  cleanSteps: [...eraseCleanSteps, ...firmwareCleanSteps],
  deploySteps: [...eraseDeploySteps, ...imageDeploySteps],
  serviceSteps: [...firmwareCleanSteps],
  operations: {
    ...inventoryOperations,
    ...imageOperations,
    ...eraseOperations,
    ...firmwareOperations,
    ...bootloaderOperations,
  },
});
