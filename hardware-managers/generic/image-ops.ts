/**
 * @module hardware-managers/generic/image-ops
 * `prepare_image`, `cache_image`, `get_partition_uuids` and the `write_image` deploy step,
 * on the image engine (`machine/image`). `write_image` goes through `ctx.dispatch`, as real
 * Ironic drives it (`deploy.execute_deploy_step` -> `write_image` -> `prepare_image`), so a
 * vendor manager may take over `prepare_image` alone.
 */
import { isTeethError } from "../../common/branded-error.ts";
import { describeZodError } from "../../common/zod-issues.ts";
import { ImageErrors, partitionUuids, writeConfigDriveOnly, writeImage, type WriteImageResult } from "../../machine/image/index.ts";
import type { ImageInfo } from "../../protocol/image-info.ts";
import { forgetCachedImage, markDeployedFromCache, rememberCachedImage, reusableCachedImage, type CachedImage } from "./image-cache.ts";
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

interface WriteRequest {
  info: ImageInfo;
  /** The config drive (IPA also accepts it inside image_info); null: none. */
  configdrive: string | null;
  device: string;
}

/** Validates the arguments and finds the install disk; nothing is written yet. */
async function writeRequest(ctx: ManagerContext, args: PrepareImageArgs): Promise<WriteRequest> {
  const parsed = PrepareImageParamsSchema.safeParse(args);
  if (!parsed.success) {
    throw ImageErrors.invalidImageInfo(describeZodError(parsed.error, { root: "params" }), parsed.error.issues);
  }
  const configdrive = parsed.data.configdrive ?? (typeof parsed.data.image_info.configdrive === "string" ? parsed.data.image_info.configdrive : null);
  const device = await installDevice(ctx);
  await refuseIfInUse(ctx, device);
  return { info: parsed.data.image_info as ImageInfo, configdrive, device };
}

async function runWrite(ctx: ManagerContext, req: WriteRequest, withConfigdrive: boolean): Promise<WriteImageResult> {
  try {
    return await writeImage({
      device: req.device,
      imageInfo: req.info,
      configdrive: withConfigdrive ? req.configdrive : null,
      logger: ctx.logger,
      exec: ctx.exec,
      signal: ctx.signal,
      onProgress: (p) => ctx.progress({ ...p, device: req.device }),
      download: ctx.config.imageDownload,
      md5Allowed: ctx.config.md5Allowed,
      permittedFormats: ctx.config.permittedImageFormats ?? undefined,
      insecure: ctx.config.insecure,
    });
  } catch (error) {
    if (isTeethError(error)) throw error;
    throw ImageErrors.writeFailed(req.device, error);
  }
}

/**
 * The command result: Teeth's fields, a readable `message`, and IPA's `result` line, which
 * Ironic parses for `root_uuid=` (and `efi_system_partition_uuid=` in UEFI mode).
 */
function summary(command: "prepare_image" | "cache_image", r: WriteImageResult, args: PrepareImageArgs, message?: string): PrepareImageResult {
  const how = r.compression ? `${r.compression}-compressed ${r.format}` : r.format;
  const info = (args.image_info ?? {}) as Record<string, unknown>;
  const uefi = (info.deploy_boot_mode ?? info.boot_mode) === "uefi";
  return {
    message: message ?? `image (${how}, ${r.image_size} bytes) written to device ${r.device} in ${r.duration_s} s, ${r.checksum.algo} verified`,
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

/**
 * prepare_image over a pre-staged image (IPA's "don't write image again if already cached"):
 * only the config drive is written; the result says so (`image_cached`, bytes written).
 */
async function prepareOverCache(ctx: ManagerContext, req: WriteRequest, cached: CachedImage, args: PrepareImageArgs): Promise<PrepareImageResult> {
  ctx.progress({ stage: "configdrive", device: req.device, image_cached: true });
  const done = await writeConfigDriveOnly({
    device: req.device, imageInfo: req.info, configdrive: req.configdrive, logger: ctx.logger, exec: ctx.exec, signal: ctx.signal,
    insecure: ctx.config.insecure, download: ctx.config.imageDownload,
  });
  const drive = done.configdrive?.bytes ?? 0;
  const r: WriteImageResult = {
    ...cached.written,
    bytes_downloaded: 0,
    bytes_written: drive,
    bytes_zeroed: 0,
    resumes: 0,
    duration_s: done.duration_s,
    configdrive: done.configdrive,
    "root uuid": done.uuids["root uuid"],
    "efi system partition uuid": done.uuids["efi system partition uuid"],
    partitions: done.uuids.partitions,
  };
  const message = `image (${cached.id}) already on device ${req.device} (pre-staged ${cached.at}, ${cached.checksum} verified then, disk unchanged); ` +
    (done.configdrive ? `only the config drive written (${drive} bytes) in ${done.duration_s} s` : "no config drive to write");
  ctx.logger.info({ image: cached.id, device: req.device, bytes_written: drive, event: "image_cached_reused" }, message);
  markDeployedFromCache(ctx, cached, req.device);
  return { ...summary("prepare_image", r, args, message), image_cached: true };
}

export const imageOperations = {
  /** IPA `standby.prepare_image`: write the image (and config drive) to the install disk; a matching cached image is not written again. */
  prepare_image: async (ctx, args) => {
    const req = await writeRequest(ctx, args);
    const cached = reusableCachedImage(ctx, req.info, req.device);
    // Whatever happens now, the disk becomes this deploy's: nothing stays "pre-staged".
    forgetCachedImage(ctx, "prepare_image");
    if (cached) return prepareOverCache(ctx, req, cached, args);
    return summary("prepare_image", await runWrite(ctx, req, true), args);
  },
  /** IPA `standby.cache_image`: the same write, without a config drive, remembered for a later prepare_image. */
  cache_image: async (ctx, args) => {
    const req = await writeRequest(ctx, args);
    const cached = args.force === true ? null : reusableCachedImage(ctx, req.info, req.device);
    if (cached) {
      const message = `image (${cached.id}) already present on device ${req.device} (cached ${cached.at})`;
      return { ...summary("cache_image", { ...cached.written, bytes_downloaded: 0, bytes_written: 0, bytes_zeroed: 0, duration_s: 0 }, args, message), image_cached: true };
    }
    forgetCachedImage(ctx, "cache_image of another image");
    const written = await runWrite(ctx, req, false);
    rememberCachedImage(ctx, req.info, req.device, written);
    return summary("cache_image", written, args);
  },
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
