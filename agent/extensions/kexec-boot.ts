/**
 * @module agent/extensions/kexec-boot
 * `standby.kexec_boot`: boot the OS just written without going through the firmware. The
 * kernel is found and loaded (`kexec -l`) before the command answers, so a refusal (no
 * kernel, Secure Boot enforced, a partition image with no boot loader) or a failed load is
 * the command's failure, with its reason, and the agent stays up for the conductor's
 * ordinary reboot. Only `kexec -e` runs after the answer; if it returns, the agent reboots
 * through the firmware (the boot device is already the disk).
 */
import { z } from "zod";
import { kexecLoader, loadDeployedOs } from "../../machine/kexec/index.ts";
import { defineCommand } from "../commands/extension.ts";
import type { AgentServices } from "./services.ts";

const KexecParams = z
  .object({
    /** The deployed image's type, as instance_info says (`partition` needs a boot loader on the disk). */
    image_type: z.enum(["whole-disk", "partition"]).optional(),
  })
  .loose();

/**
 * @example
 * defineExtension("standby", { kexec_boot: createKexecBootCommand(services) });
 */
export function createKexecBootCommand(services: AgentServices) {
  return defineCommand({
    async: true,
    params: KexecParams,
    async run(params, command) {
      const ctx = services.managerContext(command);
      const disk = String((await services.registry.dispatch("get_os_install_device", ctx, {})).result);
      const load = services.power.simulated
        ? async (k: { kernel: string }) => ctx.logger.warn({ kernel: k.kernel }, "simulated kexec -l (teeth-simulate-power=1): not executed")
        : kexecLoader(ctx.exec);
      const os = await loadDeployedOs({ disk, imageType: params.image_type, exec: ctx.exec, fs: ctx.fs, logger: ctx.logger, load });
      return { ...os, result: `kexec_boot: kernel ${os.kernel} loaded from ${os.source}; booting it` };
    },
    async after({ succeeded }) {
      if (!succeeded) return;
      // Let the answer reach the conductor first: after kexec -e nothing of this agent is left.
      await Bun.sleep(1000);
      await services.power.kexec();
    },
  });
}
