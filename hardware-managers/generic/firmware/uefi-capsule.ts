/**
 * @module hardware-managers/generic/firmware/uefi-capsule
 * System firmware (components `bios`, `uefi`) through fwupd's standalone `fwupdtool`, only
 * when the RAM disk ships it: `.cab` archives with `fwupdtool install`, raw capsules with
 * `fwupdtool install-blob` on the UEFI capsule device. Capsules apply at the next boot.
 */
import type { ManagerContext } from "../../contract/index.ts";
import { describeFailure } from "../device/describe-failure.ts";
import { FirmwareErrors } from "./errors.ts";
import type { FirmwareClaim, FlashComponentRequest, FlashComponentResult } from "../../contract/firmware-component.ts";

const COMPONENTS = new Set(["bios", "uefi"]);

async function requireFwupd(ctx: ManagerContext, component: string): Promise<void> {
  if (!COMPONENTS.has(component)) ctx.decline("not a system firmware component");
  const probe = await ctx.exec("fwupdtool", ["--version"], { signal: ctx.signal });
  if (probe.failed) ctx.decline("fwupdtool is not in this RAM disk");
}

/** `claims_firmware_component` for `bios`/`uefi`. */
export async function claimSystemFirmware(ctx: ManagerContext, component: string): Promise<FirmwareClaim> {
  await requireFwupd(ctx, component);
  return { current_version: (await ctx.inventory()).system_vendor.firmware.version, target: "fwupdtool" };
}

/** The fwupd device id of the UEFI capsule device (`fwupdtool get-devices --json`). */
async function capsuleDeviceId(ctx: ManagerContext): Promise<string | null> {
  const r = await ctx.exec("fwupdtool", ["get-devices", "--json"], { signal: ctx.signal });
  if (r.failed) return null;
  try {
    const devices = (JSON.parse(r.stdout) as { Devices?: Array<Record<string, unknown>> }).Devices ?? [];
    const dev = devices.find((d) => d.Plugin === "uefi_capsule");
    return typeof dev?.DeviceId === "string" ? dev.DeviceId : null;
  } catch {
    return null;
  }
}

/** `flash_firmware_component` for `bios`/`uefi`. */
export async function flashSystemFirmware(ctx: ManagerContext, req: FlashComponentRequest): Promise<FlashComponentResult> {
  await requireFwupd(ctx, req.component);
  const before = (await ctx.inventory()).system_vendor.firmware.version;
  if (req.version && before === req.version) {
    return { status: "skipped", version_before: before, version_after: before, reboot_requested: false, notes: [`already at ${req.version}`] };
  }
  let args: string[];
  if (req.url.toLowerCase().split("?")[0]!.endsWith(".cab")) {
    args = ["install", req.path, "--no-reboot-check"];
  } else {
    const id = typeof req.device_id === "string" ? req.device_id : await capsuleDeviceId(ctx);
    if (!id) throw FirmwareErrors.uefiCapsule("no UEFI capsule device found by fwupdtool get-devices");
    args = ["install-blob", req.path, id, "--no-reboot-check"];
  }
  const r = await ctx.exec("fwupdtool", args, { signal: ctx.signal, timeoutMs: 30 * 60 * 1000 });
  if (r.failed) throw FirmwareErrors.uefiCapsule(describeFailure(r));
  return { status: "flashed", version_before: before, version_after: req.version ?? null, reboot_requested: true, notes: ["capsule staged; applied by the firmware at the next boot"] };
}
