/**
 * @module hardware-managers/generic/erase/erase-devices
 * The orchestrator behind every erase operation: pick the devices, check each one's safety,
 * run the ladder on the rest in parallel (up to `concurrency`), and report per device.
 */
import { defineErrorCatalogue, type ErrorSpecs } from "../../../common/error-catalogue.ts";
import type { Disk } from "../../../protocol/inventory.ts";
import type { ManagerContext } from "../../contract/index.ts";
import { gatherDeviceFacts } from "../device/device-facts.ts";
import { runEraseLadder, type Attempt, type LadderMethod } from "./erase-ladder.ts";
import type { HostFs } from "../../../machine/host-fs.ts";
import type { MethodName } from "./outcome.ts";
import { runPool } from "./run-pool.ts";
import { checkDeviceSafety } from "./safety.ts";
import { resolveEraseSettings, type EraseSettings } from "./settings.ts";

export type DeviceOutcome = "erased" | "skipped" | "refused" | "failed";

export interface DeviceReport {
  device: string;
  outcome: DeviceOutcome;
  /** The method that erased the device (or the last one tried). */
  method: MethodName | null;
  duration_s: number;
  /** Why it was skipped, refused or failed. */
  reasons: string[];
  attempts: Attempt[];
  notes: string[];
}

export interface EraseReport {
  method: LadderMethod;
  concurrency: number;
  duration_s: number;
  summary: Record<DeviceOutcome, number>;
  devices: DeviceReport[];
}

/** The errors erase operations raise; `failed` carries the whole report as details. */
export const EraseErrors = defineErrorCatalogue({
  invalidArgs: { code: "InvalidEraseArguments", status: 500, message: (reason: string) => reason },
  unknownDevice: {
    code: "UnknownBlockDevice",
    status: 500,
    message: (unknown: string[]) => `not disks of this machine's inventory: ${unknown.join(", ")}`,
    details: (unknown: string[]) => ({ unknown }),
  },
  failed: {
    code: "BlockDeviceEraseError",
    status: 500,
    message: (report: EraseReport) => {
      const bad = report.devices.filter((d) => d.outcome === "refused" || d.outcome === "failed");
      const list = bad.map((d) => `${d.device}: ${d.outcome} (${d.reasons.join("; ")})`).join(", ");
      return `${bad.length} of ${report.devices.length} device(s) not erased: ${list}`;
    },
    details: (report: EraseReport) => report,
  },
} satisfies ErrorSpecs);

const seconds = (start: number) => Math.round((performance.now() - start) / 10) / 100;
const devPath = (name: string) => (name.startsWith("/dev/") ? name : `/dev/${name}`);

function selectDisks(disks: readonly Disk[], wanted: string[] | null): Disk[] {
  if (!wanted) return [...disks];
  const unknown = wanted.filter((w) => !disks.some((d) => devPath(d.name) === devPath(w)));
  if (unknown.length) {
    throw EraseErrors.unknownDevice(unknown);
  }
  return disks.filter((d) => wanted.some((w) => devPath(w) === devPath(d.name)));
}

async function eraseOne(ctx: ManagerContext, fs: HostFs, disk: Disk, method: LadderMethod, settings: EraseSettings): Promise<DeviceReport> {
  const start = performance.now();
  const device = devPath(disk.name);
  const report = (outcome: DeviceOutcome, rest: Partial<DeviceReport> = {}): DeviceReport => ({
    device,
    outcome,
    method: null,
    reasons: [],
    attempts: [],
    notes: [],
    ...rest,
    duration_s: seconds(start),
  });
  if (ctx.signal.aborted) return report("failed", { reasons: ["aborted before start"] });
  try {
    const facts = await gatherDeviceFacts(ctx.exec, fs, device);
    const verdict = await checkDeviceSafety(disk, facts, settings, fs);
    if (verdict.action === "skip") return report("skipped", { reasons: verdict.reasons });
    if (verdict.action === "refuse") return report("refused", { reasons: verdict.reasons });
    ctx.logger.info({ device, method }, "erasing device");
    const r = await runEraseLadder({ exec: ctx.exec, fs, signal: ctx.signal }, facts.path, facts.partitions, method, settings);
    const reasons = r.ok ? [] : r.attempts.filter((a) => a.reason).map((a) => `${a.method ?? "probe"}: ${a.reason}`);
    return report(r.ok ? "erased" : "failed", { method: r.method, attempts: r.attempts, notes: r.notes, reasons });
  } catch (error) {
    // One device's unexpected error must not stop the others.
    return report("failed", { reasons: [`unexpected error: ${(error as Error).message}`] });
  }
}

/**
 * Erases the selected disks and returns the report; fails with `BlockDeviceEraseError`
 * (details: the report) when any device was refused or failed, after all have been tried.
 * @example
 * const report = await eraseDevices(ctx, { method: "zero", devices: ["/dev/sdb"] }, { fs: realHostFs });
 * report.devices[0].outcome; // "erased"
 */
export async function eraseDevices(
  ctx: ManagerContext,
  args: Record<string, unknown>,
  options: { fs: HostFs; method?: LadderMethod },
): Promise<EraseReport> {
  let settings: EraseSettings;
  try {
    settings = resolveEraseSettings(args, ctx.node, ctx.config);
  } catch (error) {
    throw EraseErrors.invalidArgs((error as Error).message);
  }
  const method = options.method ?? settings.method;
  const disks = selectDisks((await ctx.inventory()).disks, settings.devices);
  const start = performance.now();
  let done = 0;
  ctx.progress({ erase: { method, total: disks.length, done } });
  const devices = await runPool(disks, settings.concurrency, async (disk) => {
    const r = await eraseOne(ctx, options.fs, disk, method, settings);
    ctx.progress({ erase: { method, total: disks.length, done: ++done, last: { device: r.device, outcome: r.outcome } } });
    ctx.logger.info({ device: r.device, outcome: r.outcome, method: r.method, duration_s: r.duration_s, reasons: r.reasons }, "erase finished");
    return r;
  });
  const summary: Record<DeviceOutcome, number> = { erased: 0, skipped: 0, refused: 0, failed: 0 };
  for (const d of devices) summary[d.outcome]++;
  const report: EraseReport = { method, concurrency: settings.concurrency, duration_s: seconds(start), summary, devices };
  if (devices.some((d) => d.outcome === "refused" || d.outcome === "failed")) throw EraseErrors.failed(report);
  return report;
}
