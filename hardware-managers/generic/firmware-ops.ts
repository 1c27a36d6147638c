/**
 * @module hardware-managers/generic/firmware-ops
 * Firmware update steps. (placeholder: filled by the firmware work)
 */
import type { Operation } from "../contract/index.ts";
import type { StepDefinition } from "../../protocol/steps.ts";

export const firmwareCleanSteps: StepDefinition[] = [];
export const firmwareOperations: Record<string, Operation> = {};
