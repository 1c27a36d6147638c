/**
 * @module agent/extensions/poll
 * `poll.get_hardware_info`: the inventory, merged over every hardware manager.
 */
import { defineCommand, defineExtension, type Extension } from "../commands/extension.ts";
import { NoParams } from "./no-params.ts";
import type { AgentServices } from "./services.ts";

export function createPollExtension(services: AgentServices): Extension {
  return defineExtension("poll", {
    get_hardware_info: defineCommand({ async: false, params: NoParams, run: () => services.hardwareInfo() }),
  });
}
