/**
 * @module hardware-managers/generic/erase-ops
 * Disk erasure steps. (placeholder: filled by the secure-erase work)
 */
import type { Operation } from "../contract/index.ts";
import type { StepDefinition } from "../../protocol/steps.ts";

export const eraseCleanSteps: StepDefinition[] = [];
export const eraseDeploySteps: StepDefinition[] = [];
export const eraseOperations: Record<string, Operation> = {};
