/**
 * @module hardware-managers/generic/firmware/flash-firmware
 * The `flash_firmware` command and `update_firmware` step. Three phases, so nothing is
 * flashed unless everything can be: (1) every component must be claimed by a manager,
 * (2) every image that needs flashing is downloaded and checksum-verified, (3) images are
 * flashed one at a time through the claimant, stopping at the first failure.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasCode } from "../../../common/error-catalogue.ts";
import { NO_MANAGER_FOUND, type ManagerContext } from "../../contract/index.ts";
import { FirmwareErrors } from "./errors.ts";
import { parseChecksum } from "./checksum.ts";
import {
  CLAIM_OPERATION,
  FLASH_OPERATION,
  type ComponentReport,
  type FirmwareClaim,
  type FirmwareImage,
  type FirmwareReport,
} from "../../contract/firmware-component.ts";
import { downloadFirmware } from "./download.ts";
import { parseFirmwareRequest } from "./request.ts";

export { FirmwareErrors };

const isNotFound = (e: unknown) => hasCode(e, NO_MANAGER_FOUND);

/** Phase 1: who owns each component, and what runs now. Unclaimed -> fail before any download. */
async function claimAll(ctx: ManagerContext, images: FirmwareImage[]): Promise<FirmwareClaim[]> {
  const claims: FirmwareClaim[] = [];
  const unclaimed: string[] = [];
  for (const image of images) {
    try {
      claims.push(await ctx.dispatch(CLAIM_OPERATION, { ...image }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
      unclaimed.push(image.component);
    }
  }
  if (unclaimed.length) {
    throw FirmwareErrors.unclaimed(unclaimed);
  }
  return claims;
}

/**
 * @example
 * const report = await flashFirmware(ctx, { firmware_images: [{ component: "acme-bmc", url, checksum, version: "2.1.0" }] });
 * report.reboot_requested; // true when any flashed component needs a reboot
 */
export async function flashFirmware(ctx: ManagerContext, args: Record<string, unknown>): Promise<FirmwareReport> {
  const request = parseFirmwareRequest(args);
  if (!request.ok) throw FirmwareErrors.invalid(request.reason);
  const checksums = request.images.map((img) => parseChecksum(img.checksum, { md5Allowed: ctx.config.md5Allowed, algorithm: img.checksum_type }));
  const badSum = checksums.findIndex((c) => !c.ok);
  if (badSum >= 0) {
    const c = checksums[badSum] as Extract<(typeof checksums)[number], { ok: false }>;
    throw FirmwareErrors.invalid(`${request.images[badSum]!.component}: ${c.reason}`);
  }

  const claims = await claimAll(ctx, request.images);
  const reports: ComponentReport[] = request.images.map((img, i) => {
    const current = claims[i]!.current_version ?? null;
    const same = img.version !== undefined && current === img.version;
    return {
      component: img.component,
      status: same ? "skipped" : "not_attempted",
      version_before: current,
      version_after: same ? current : null,
      reboot_requested: false,
      notes: same ? [`already running ${img.version}; not downloaded`] : [],
    };
  });

  const dir = await mkdtemp(join(tmpdir(), "teeth-firmware-"));
  try {
    // Phase 2: download and verify everything before touching any device.
    const paths: Array<string | null> = [];
    for (const [i, img] of request.images.entries()) {
      if (reports[i]!.status === "skipped") {
        paths.push(null);
        continue;
      }
      ctx.progress({ firmware: { phase: "download", component: img.component } });
      const sum = checksums[i] as Extract<(typeof checksums)[number], { ok: true }>;
      const dl = await downloadFirmware(img.url, join(dir, `${i}.bin`), sum, request.maxImageBytes, ctx.config.imageDownload, ctx.signal);
      if (!dl.ok) {
        reports[i]!.status = "failed";
        reports[i]!.notes.push(dl.reason);
        throw FirmwareErrors[dl.problem](img.component, dl.reason, { components: reports, reboot_requested: false });
      }
      reports[i]!.download = { bytes: dl.bytes, seconds: Math.round(dl.seconds * 1000) / 1000, digest: `${sum.algorithm}:${dl.digest}` };
      paths.push(dl.path);
    }

    // Phase 3: flash, one component at a time; not abortable once started.
    for (const [i, img] of request.images.entries()) {
      const report = reports[i]!;
      if (report.status === "skipped") continue;
      ctx.progress({ firmware: { phase: "flash", component: img.component } });
      ctx.logger.info({ component: img.component, version: img.version }, "flashing firmware");
      try {
        const r = await ctx.dispatch(FLASH_OPERATION, { ...img, path: paths[i]! });
        Object.assign(report, {
          status: r.status,
          version_before: r.version_before,
          version_after: r.version_after,
          reboot_requested: r.reboot_requested,
        });
        report.notes.push(...(r.notes ?? []));
      } catch (error) {
        report.status = "failed";
        report.notes.push((error as Error).message);
        const details = { components: reports, reboot_requested: reports.some((c) => c.reboot_requested) };
        throw FirmwareErrors.flashFailed(img.component, (error as Error).message, details);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { components: reports, reboot_requested: reports.some((c) => c.reboot_requested) };
}
