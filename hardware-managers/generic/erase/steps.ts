/**
 * @module hardware-managers/generic/erase/steps
 * The erase steps the generic manager advertises, with IPA's names, priorities and interface
 * ("deploy": Ironic sends in-band steps of the deploy interface to the agent).
 */
import type { StepDefinition } from "../../../protocol/steps.ts";

/** Optional args accepted by erase_devices; Ironic rejects args a step does not list. */
export const ERASE_ARGSINFO: NonNullable<StepDefinition["argsinfo"]> = {
  devices: { description: "Only these devices (e.g. [\"/dev/sdb\"]); default: every disk", required: false },
  concurrency: { description: "Devices erased in parallel (default disk_erasure_concurrency or 1)", required: false },
  method: { description: "auto | hardware | shred | zero | metadata (default auto)", required: false },
  iterations: { description: "shred random passes (default agent_erase_devices_iterations or 1)", required: false },
  zeroize: { description: "shred final zero pass (default agent_erase_devices_zeroize or true)", required: false },
  allow_shred_fallback: { description: "overwrite when a hardware erase fails or is refused", required: false },
  verify: { description: "read-back after zeroing: none | sample | full (default sample)", required: false },
};

export const eraseCleanSteps: StepDefinition[] = [
  { step: "erase_devices", priority: 10, interface: "deploy", reboot_requested: false, abortable: true, argsinfo: ERASE_ARGSINFO },
  { step: "erase_devices_metadata", priority: 99, interface: "deploy", reboot_requested: false, abortable: true, argsinfo: null },
  { step: "erase_devices_express", priority: 0, interface: "deploy", reboot_requested: false, abortable: true, argsinfo: null },
];

/** Priority 0 as in IPA: runs only when the conductor asks (Ironic's erase_devices_metadata_priority). */
export const eraseDeploySteps: StepDefinition[] = [
  { step: "erase_devices_metadata", priority: 0, interface: "deploy", reboot_requested: false, abortable: true, argsinfo: null },
];
