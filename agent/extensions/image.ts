/**
 * @module agent/extensions/image
 * `image.install_bootloader`, which Ironic sends after a deploy in UEFI mode; dispatched to
 * the hardware managers' `install_bootloader`.
 */
import { z } from "zod";
import { defineCommand, defineExtension, type Extension } from "../commands/extension.ts";
import type { AgentServices } from "./services.ts";

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
