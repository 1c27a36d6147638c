/**
 * @module agent/extensions/small-extensions
 * `log`, `poll`, `system` and `hardware`: one or two commands each.
 */
import { z } from "zod";
import { defineCommand, defineExtension, type Extension } from "../commands/extension.ts";
import { collectSystemLogs } from "../logs/collect-system-logs.ts";
import type { AgentServices } from "./services.ts";

const NoParams = z.object({}).loose();

export function createLogExtension(services: AgentServices): Extension {
  return defineExtension("log", {
    collect_system_logs: defineCommand({
      async: false,
      params: NoParams,
      async run() {
        return { system_logs: await collectSystemLogs(services) };
      },
    }),
  });
}

export function createPollExtension(services: AgentServices): Extension {
  return defineExtension("poll", {
    get_hardware_info: defineCommand({ async: false, params: NoParams, run: () => services.hardwareInfo() }),
  });
}

export function createSystemExtension(services: AgentServices): Extension {
  return defineExtension("system", {
    lockdown: defineCommand({
      async: true,
      params: NoParams,
      run: () => "locking down",
      after: () => services.lockdown(),
    }),
  });
}

/** `image.install_bootloader`, which Ironic sends after a deploy in UEFI mode. */
export function createImageExtension(services: AgentServices): Extension {
  return defineExtension("image", {
    install_bootloader: defineCommand({
      async: true,
      params: z
        .object({
          root_uuid: z.string().nullable().optional(),
          efi_system_part_uuid: z.string().nullable().optional(),
          prep_boot_part_uuid: z.string().nullable().optional(),
          target_boot_mode: z.enum(["bios", "uefi"]).nullable().optional(),
          ignore_bootloader_failure: z.boolean().nullable().optional(),
        })
        .loose(),
      async run(params, command) {
        const ctx = services.managerContext(command);
        try {
          return (await services.registry.dispatch("install_bootloader", ctx, params)).result;
        } catch (error) {
          if (!params.ignore_bootloader_failure) throw error;
          services.logger.warn({ err: error }, "bootloader installation failed; ignored as asked");
          return "bootloader installation failed and was ignored";
        }
      },
    }),
  });
}

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
