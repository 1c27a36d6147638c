/**
 * @module agent/extensions/hardware
 * `hardware.secure_erase` and `hardware.flash_firmware`: hardware-manager operations as commands.
 */
import { z } from "zod";
import { defineCommand, defineExtension, type Extension } from "../commands/extension.ts";
import type { AgentServices } from "./services.ts";

/** `hardware.secure_erase` and `hardware.flash_firmware`: the card's operations as commands. */
export function createHardwareExtension(services: AgentServices): Extension {
  const dispatch = (operation: string) =>
    defineCommand({
      async: true,
      params: z.record(z.string(), z.unknown()),
      async run(params, command) {
        const ctx = services.managerContext(command, params as { node?: Record<string, unknown> });
        const { result, manager } = await services.registry.dispatch(operation, ctx, params);
        return { result, hardware_manager: manager };
      },
    });
  return defineExtension("hardware", {
    secure_erase: dispatch("secure_erase"),
    flash_firmware: dispatch("flash_firmware"),
  });
}
