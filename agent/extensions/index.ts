/**
 * @module agent/extensions
 * The extensions the agent serves, IPA's names, one file each.
 */
import type { Extension } from "../commands/extension.ts";
import type { AgentServices } from "./services.ts";
import { createStandbyExtension } from "./standby.ts";
import { createStepsExtension } from "./steps-extension.ts";
import { createHardwareExtension } from "./hardware.ts";
import { createImageExtension } from "./image.ts";
import { createLogExtension } from "./log.ts";
import { createPollExtension } from "./poll.ts";
import { createSystemExtension } from "./system.ts";

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
