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
import { cachedImageOnDisk, currentCachedImage } from "../../hardware-managers/generic/image-cache.ts";
import type { ContextBase } from "../../hardware-managers/registry/index.ts";
import { kexecLoader, loadDeployedOs, type LoadedOs } from "../../machine/kexec/index.ts";
import { defineCommand } from "../commands/extension.ts";
import type { AgentServices } from "./services.ts";

const KexecParams = z
  .object({
    /** The deployed image's type, as instance_info says (`partition` needs a boot loader on the disk). */
    image_type: z.enum(["whole-disk", "partition"]).optional(),
  })
  .loose();

const PRELOAD_KEY = "agent.kexec_preloaded";

/** A kernel loaded ahead of the deploy, for the cache_image write it came from. */
interface Preloaded {
  cachedAt: string;
  os: LoadedOs;
}

/** `kexec -l`, or only a log line when the agent simulates power (tests on a host). */
function loader(services: AgentServices, ctx: ContextBase) {
  return services.power.simulated
    ? async (k: { kernel: string }) => ctx.logger.warn({ kernel: k.kernel }, "simulated kexec -l (teeth-simulate-power=1): not executed")
    : kexecLoader(ctx.exec);
}

/**
 * After a verified `cache_image` (a pre-staged image): load its kernel now, so the deploy that
 * reuses the image only has to `kexec -e`. Never fails the cache: a kernel that cannot be
 * loaded (none found, Secure Boot) is simply loaded, or refused, again at `kexec_boot`.
 * @example
 * await preloadCachedOs(services, ctx); // after standby.cache_image succeeded
 */
export async function preloadCachedOs(services: AgentServices, ctx: ContextBase): Promise<void> {
  const cached = currentCachedImage(ctx);
  if (!cached) return;
  try {
    const os = await loadDeployedOs({ disk: cached.device, exec: ctx.exec, fs: ctx.fs, logger: ctx.logger, load: loader(services, ctx) });
    ctx.memory.set(PRELOAD_KEY, { cachedAt: cached.at, os } satisfies Preloaded);
    ctx.logger.info({ image: cached.id, kernel: os.kernel }, "kexec: the pre-staged image's kernel is loaded ahead of its deploy");
  } catch (error) {
    ctx.memory.delete(PRELOAD_KEY);
    ctx.logger.info({ image: cached.id, err: error }, "kexec: the pre-staged image's kernel was not loaded ahead (kexec_boot will try)");
  }
}

/** The kernel loaded at cache time, if the disk still holds that cache's OS (the cache, or the deploy that reused it). */
function stillPreloaded(ctx: ContextBase, disk: string): LoadedOs | null {
  const pre = ctx.memory.get(PRELOAD_KEY) as Preloaded | undefined;
  if (!pre || pre.os.disk !== disk) return null;
  return cachedImageOnDisk(ctx, disk) === pre.cachedAt ? pre.os : null;
}

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
      const pre = params.image_type === "partition" ? null : stillPreloaded(ctx, disk);
      if (pre) return { ...pre, preloaded: true, result: `kexec_boot: kernel ${pre.kernel} from ${pre.source}, loaded when the image was pre-staged; booting it` };
      ctx.memory.delete(PRELOAD_KEY);
      const os = await loadDeployedOs({ disk, imageType: params.image_type, exec: ctx.exec, fs: ctx.fs, logger: ctx.logger, load: loader(services, ctx) });
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
