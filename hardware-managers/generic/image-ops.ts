/**
 * @module hardware-managers/generic/image-ops
 * `prepare_image`, `cache_image`, `get_partition_uuids` and the `write_image` deploy step,
 * on the image engine (`machine/image`). `write_image` goes through `ctx.dispatch`, as real
 * Ironic drives it (`deploy.execute_deploy_step` -> `write_image` -> `prepare_image`), so a
 * vendor manager may take over `prepare_image` alone.
 */
import { isTeethError } from "../../common/branded-error.ts";
import { describeZodError } from "../../common/zod-issues.ts";
import { ImageErrors, partitionUuids, writeImage, type WriteImageResult } from "../../machine/image/index.ts";
import { PrepareImageParamsSchema } from "../../protocol/image-info.ts";
import type { StepDefinition } from "../../protocol/steps.ts";
import { imageResultLine, type ManagerContext, type Operations, type PrepareImageArgs, type PrepareImageResult } from "../contract/index.ts";
import { gatherDeviceFacts } from "./device/device-facts.ts";
import { realHostFs } from "../../machine/host-fs.ts";

/** Never write over a disk that is in use: mounted, swap, or held by dm/md (e.g. the host's own). */
async function refuseIfInUse(ctx: ManagerContext, device: string): Promise<void> {
  const facts = await gatherDeviceFacts(ctx.exec, realHostFs, device);
  const reasons = [
    ...facts.mounts.map((m) => `${m.device} is mounted at ${m.mountpoint}`),
    ...(facts.holders.length ? [`in use by ${facts.holders.join(", ")}`] : []),
    ...(facts.readOnly ? ["the device is read-only"] : []),
  ];
  if (reasons.length) {
    throw ImageErrors.deviceInUse(device, reasons);
  }
}

async function installDevice(ctx: ManagerContext): Promise<string> {
  const device: unknown = await ctx.dispatch("get_os_install_device", {});
  if (typeof device !== "string" || !device.startsWith("/")) {
    throw ImageErrors.noInstallDevice(device);
  }
  return device;
}

async function runWrite(ctx: ManagerContext, args: PrepareImageArgs, withConfigdrive: boolean): Promise<WriteImageResult> {
  const parsed = PrepareImageParamsSchema.safeParse(args);
  if (!parsed.success) {
    throw ImageErrors.invalidImageInfo(describeZodError(parsed.error, { root: "params" }), parsed.error.issues);
  }
  // IPA also accepts the config drive inside image_info.
  const configdrive = withConfigdrive
    ? (parsed.data.configdrive ?? (typeof parsed.data.image_info.configdrive === "string" ? parsed.data.image_info.configdrive : null))
    : null;
  const device = await installDevice(ctx);
  await refuseIfInUse(ctx, device);
  try {
    return await writeImage({
      device,
      imageInfo: parsed.data.image_info,
      configdrive,
      logger: ctx.logger,
      exec: ctx.exec,
      signal: ctx.signal,
      onProgress: (p) => ctx.progress({ ...p, device }),
      download: ctx.config.imageDownload,
      md5Allowed: ctx.config.md5Allowed,
      permittedFormats: ctx.config.permittedImageFormats ?? undefined,
      insecure: ctx.config.insecure,
    });
  } catch (error) {
    if (isTeethError(error)) throw error;
    throw ImageErrors.writeFailed(device, error);
  }
}

/**
 * The command result: Teeth's fields, a readable `message`, and IPA's `result` line, which
 * Ironic parses for `root_uuid=` (and `efi_system_partition_uuid=` in UEFI mode).
 */
function summary(command: "prepare_image" | "cache_image", r: WriteImageResult, args: PrepareImageArgs): PrepareImageResult {
  const how = r.compression ? `${r.compression}-compressed ${r.format}` : r.format;
  const info = (args.image_info ?? {}) as Record<string, unknown>;
  const uefi = (info.deploy_boot_mode ?? info.boot_mode) === "uefi";
  return {
    message: `image (${how}, ${r.image_size} bytes) written to device ${r.device} in ${r.duration_s} s, ${r.checksum.algo} verified`,
    result: imageResultLine({
      command,
      imageId: String(info.id),
      device: r.device,
      rootUuid: r["root uuid"] ?? null,
      efiSystemPartitionUuid: uefi ? r["efi system partition uuid"] : null,
    }),
    ...r,
  };
}

export const imageOperations = {
  /** IPA `standby.prepare_image`: write the image (and config drive) to the install disk. */
  prepare_image: async (ctx, args) => summary("prepare_image", await runWrite(ctx, args, true), args),
  /** IPA `standby.cache_image`: the same write, without a config drive. */
  cache_image: async (ctx, args) => summary("cache_image", await runWrite(ctx, args, false), args),
  /** IPA `standby.get_partition_uuids` for the install disk. */
  get_partition_uuids: async (ctx) => partitionUuids(await installDevice(ctx), ctx.exec),
  /** The deploy step: Ironic's `write_image` is `prepare_image` run as a step. */
  write_image: async (ctx, args) =>
    ctx.dispatch("prepare_image", { image_info: args.image_info, configdrive: args.configdrive ?? null }),
} satisfies Operations;

export const imageDeploySteps: StepDefinition[] = [
  {
    step: "write_image",
    priority: 80,
    interface: "deploy",
    reboot_requested: false,
    abortable: false,
    argsinfo: {
      image_info: { description: "Information about the image to write (IPA image_info)", required: true },
      configdrive: { description: "Config drive: gzip+base64 text or a URL", required: false },
    },
  },
];
