/**
 * @module hardware-managers/generic/device/describe-failure
 * One line for a failed tool run, for reports and error messages (erase, firmware, images).
 */
import type { ExecResult } from "../../../common/exec.ts";

/**
 * @example
 * const r = await ctx.exec("nvme", ["fw-commit", dev, "--slot=1"]);
 * if (r.failed) throw FirmwareErrors.nvme(describeFailure(r)); // "nvme fw-commit ...: exit 1: ..."
 */
export function describeFailure(r: ExecResult): string {
  const why = r.timedOut ? "timed out" : `exit ${r.exitCode ?? "?"}`;
  const err = (r.stderr || r.stdout).trim().split("\n").slice(-3).join(" | ");
  return `${r.command}: ${why}${err ? `: ${err}` : ""}`;
}
