/**
 * @module agent/extensions
 * The extensions the agent serves, IPA's names.
 */
import type { Extension } from "../commands/extension.ts";
import type { AgentServices } from "./services.ts";
import { createStandbyExtension } from "./standby.ts";
import { createStepsExtension } from "./steps-extension.ts";
import {
  createHardwareExtension,
  createImageExtension,
  createLogExtension,
  createPollExtension,
  createSystemExtension,
} from "./small-extensions.ts";

export type { AgentServices } from "./services.ts";

export function createExtensions(services: AgentServices): Extension[] {
  return [
    createStandbyExtension(services),
    createStepsExtension("clean", services),
    createStepsExtension("deploy", services),
    createStepsExtension("service", services),
    createLogExtension(services),
    createPollExtension(services),
    createSystemExtension(services),
    createHardwareExtension(services),
    createImageExtension(services),
  ];
}
