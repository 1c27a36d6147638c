/**
 * @module agent/extensions/standby
 * `standby`: image preparation and power, as IPA, plus Teeth's `kexec_boot` (kexec-boot.ts). The image engine and the install-disk
 * choice live in the hardware managers; these commands dispatch to them.
 */
import { z } from "zod";
import { defineCommand, defineExtension, type Extension } from "../commands/extension.ts";
import { createKexecBootCommand, preloadCachedOs } from "./kexec-boot.ts";
import { NoParams } from "./no-params.ts";
import type { AgentServices } from "./services.ts";

const ImageParams = z
  .object({
    image_info: z.record(z.string(), z.unknown()),
    configdrive: z.unknown().optional(),
  })
  .loose();

export function createStandbyExtension(services: AgentServices): Extension {
  const dispatch = (operation: string) =>
    defineCommand({
      async: true,
      params: ImageParams,
      async run(params, command) {
        const ctx = services.managerContext(command);
        return (await services.registry.dispatch(operation, ctx, params)).result;
      },
    });
  return defineExtension("standby", {
    prepare_image: dispatch("prepare_image"),
    // A pre-staged image's kernel is loaded for kexec as part of the cache (off the deploy's path).
    cache_image: defineCommand({
      async: true,
      params: ImageParams,
      async run(params, command) {
        const ctx = services.managerContext(command);
        const result = (await services.registry.dispatch("cache_image", ctx, params)).result;
        await preloadCachedOs(services, ctx);
        return result;
      },
    }),
    power_off: defineCommand({
      async: true,
      params: NoParams,
      run: () => "powering off",
      after: () => services.power.powerOff(),
    }),
    run_image: defineCommand({
      async: true,
      params: NoParams,
      run: () => "rebooting",
      after: () => services.power.reboot(),
    }),
    kexec_boot: createKexecBootCommand(services),
    sync: defineCommand({
      async: false,
      params: NoParams,
      async run() {
        const r = await services.exec("sync", []);
        if (r.failed) throw new Error(`sync failed: ${r.stderr.trim()}`);
        return "sync completed";
      },
    }),
    get_partition_uuids: defineCommand({
      async: false,
      params: NoParams,
      async run(_params, command) {
        return (await services.registry.dispatch("get_partition_uuids", services.managerContext(command), {})).result;
      },
    }),
  });
}
