/**
 * @module hardware-managers/generic/image-ops
 * `prepare_image` and the `write_image` deploy step. (placeholder: filled by the image engine work)
 */
import type { Operation } from "../contract/index.ts";
import type { StepDefinition } from "../../protocol/steps.ts";

export const imageDeploySteps: StepDefinition[] = [];
export const imageOperations: Record<string, Operation> = {};
