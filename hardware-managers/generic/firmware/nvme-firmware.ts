/**
 * @module hardware-managers/generic/firmware/nvme-firmware
 * Generic NVMe drive firmware (component `nvme:<serial>`): `nvme fw-download` then
 * `nvme fw-commit`. Slot and commit action come from the request or from the drive's FRMW
 * field: action 3 (activate now) when the drive supports activation without reset, else 1
 * (activate at the next reset, so a reboot is requested).
 */
import type { ManagerContext } from "../../contract/index.ts";
import { parseNvmeIdCtrl } from "../device/nvme-id-ctrl.ts";
import type { HostFs } from "../../../machine/host-fs.ts";
import { describeFailure } from "../device/describe-failure.ts";
import { FirmwareErrors } from "./errors.ts";
import type { FirmwareClaim, FlashComponentRequest, FlashComponentResult } from "../../contract/firmware-component.ts";

const PREFIX = "nvme:";

/** Finds the controller (`/dev/nvme0`) whose serial matches, from sysfs. */
export async function findNvmeController(fs: HostFs, serial: string): Promise<{ device: string; firmware: string | null } | null> {
  for (const ctrl of await fs.list("/sys/class/nvme")) {
    const sn = (await fs.text(`/sys/class/nvme/${ctrl}/serial`))?.trim();
    if (sn && sn === serial.trim()) {
      return { device: `/dev/${ctrl}`, firmware: (await fs.text(`/sys/class/nvme/${ctrl}/firmware_rev`))?.trim() ?? null };
    }
  }
  return null;
}

async function controllerFor(ctx: ManagerContext, fs: HostFs, component: string) {
  if (!component.startsWith(PREFIX)) ctx.decline("not an nvme component");
  const found = await findNvmeController(fs, component.slice(PREFIX.length));
  return found ?? ctx.decline(`no NVMe controller with serial ${component.slice(PREFIX.length)}`);
}

/** `claims_firmware_component` for `nvme:<serial>`. */
export async function claimNvme(ctx: ManagerContext, fs: HostFs, component: string): Promise<FirmwareClaim> {
  const c = await controllerFor(ctx, fs, component);
  return { current_version: c.firmware, target: c.device };
}

const intArg = (v: unknown): number | undefined => (typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined);

/** `flash_firmware_component` for `nvme:<serial>`. */
export async function flashNvme(ctx: ManagerContext, fs: HostFs, req: FlashComponentRequest): Promise<FlashComponentResult> {
  const c = await controllerFor(ctx, fs, req.component);
  if (req.version && c.firmware === req.version) {
    return { status: "skipped", version_before: c.firmware, version_after: c.firmware, reboot_requested: false, notes: [`already at ${req.version}`] };
  }
  const id = await ctx.exec("nvme", ["id-ctrl", c.device, "-o", "json"], { signal: ctx.signal });
  const caps = id.failed ? null : parseNvmeIdCtrl(id.stdout);
  if (!caps) throw FirmwareErrors.nvme(`cannot identify ${c.device}: ${describeFailure(id)}`);
  // Slot 0 lets the controller pick a slot; an explicit one must exist and be writable.
  const slot = intArg(req.slot) ?? 0;
  if (slot > caps.firmwareSlots || (slot === 1 && caps.slot1ReadOnly)) {
    throw FirmwareErrors.nvme(`slot ${slot} is not writable on ${c.device} (${caps.firmwareSlots} slot(s), slot 1 ${caps.slot1ReadOnly ? "read-only" : "writable"})`);
  }
  const action = intArg(req.action) ?? (caps.activateWithoutReset ? 3 : 1);
  const dl = await ctx.exec("nvme", ["fw-download", c.device, `--fw=${req.path}`], { signal: ctx.signal });
  if (dl.failed) throw FirmwareErrors.nvme(describeFailure(dl));
  const commit = await ctx.exec("nvme", ["fw-commit", c.device, `--slot=${slot}`, `--action=${action}`], { signal: ctx.signal });
  if (commit.failed) throw FirmwareErrors.nvme(describeFailure(commit));
  const after = (await findNvmeController(fs, req.component.slice(PREFIX.length)))?.firmware ?? null;
  return {
    status: "flashed",
    version_before: c.firmware,
    version_after: after,
    reboot_requested: action !== 3,
    notes: [`${c.device}: fw-commit slot ${slot} action ${action}`],
  };
}
