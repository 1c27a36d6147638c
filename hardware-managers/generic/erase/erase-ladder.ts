/**
 * @module hardware-managers/generic/erase/erase-ladder
 * The per-device ladder: strongest method the device supports first (NVMe format, ATA
 * security erase), then software overwrite when nothing applies, or when it failed and the
 * node allows falling back. Each rung's outcome is kept for the report.
 */
import { ataSecurityErase } from "./ata-security-erase.ts";
import { metadataWipe } from "./metadata-wipe.ts";
import { nvmeFormatErase } from "./nvme-format.ts";
import type { EraseDeps, MethodName, MethodOutcome } from "./outcome.ts";
import { shredErase, zeroErase } from "./overwrite.ts";
import type { EraseMethod, EraseSettings } from "./settings.ts";

/** `express` is IPA's erase_devices_express: NVMe format where possible, metadata otherwise. */
export type LadderMethod = EraseMethod | "express";

export interface Attempt {
  method: MethodName | null;
  status: MethodOutcome["status"];
  reason?: string;
}

export interface LadderResult {
  ok: boolean;
  method: MethodName | null;
  attempts: Attempt[];
  notes: string[];
}

type Settings = Pick<EraseSettings, "iterations" | "zeroize" | "verify" | "allowShredFallback">;

const toAttempt = (o: MethodOutcome): Attempt =>
  o.status === "done"
    ? { method: o.method, status: o.status }
    : { method: o.status === "unsupported" ? null : o.method, status: o.status, reason: o.reason };

/**
 * @example
 * const r = await runEraseLadder(deps, "/dev/nvme0n1", [], "auto", settings);
 * // r.method === "nvme_crypto_format" on a drive with FNA bit 2
 */
export async function runEraseLadder(
  deps: EraseDeps,
  path: string,
  partitions: readonly string[],
  method: LadderMethod,
  settings: Settings,
): Promise<LadderResult> {
  const attempts: Attempt[] = [];
  const run = async (step: () => Promise<MethodOutcome>): Promise<MethodOutcome> => {
    const outcome = await step();
    attempts.push(toAttempt(outcome));
    return outcome;
  };
  const finish = (o: MethodOutcome): LadderResult =>
    o.status === "done"
      ? { ok: true, method: o.method, attempts, notes: o.notes }
      : { ok: false, method: o.status === "unsupported" ? null : o.method, attempts, notes: [] };
  const shred = () => shredErase(deps, path, settings);

  switch (method) {
    case "metadata":
      return finish(await run(() => metadataWipe(deps, path, partitions)));
    case "zero":
      return finish(await run(() => zeroErase(deps, path, settings.verify)));
    case "shred":
      return finish(await run(shred));
    case "express": {
      const nvme = await run(() => nvmeFormatErase(deps, path));
      if (nvme.status === "done") return finish(nvme);
      return finish(await run(() => metadataWipe(deps, path, partitions)));
    }
    case "hardware":
    case "auto": {
      let last: MethodOutcome | null = null;
      for (const rung of [nvmeFormatErase, ataSecurityErase]) {
        last = await run(() => rung(deps, path));
        if (last.status === "done") return finish(last);
        if (last.status !== "unsupported") break;
      }
      const nothingApplied = last?.status === "unsupported";
      // IPA: no hardware erase at all -> overwrite; hardware erase failed -> only if allowed.
      if ((method === "auto" && nothingApplied) || (!nothingApplied && settings.allowShredFallback)) {
        return finish(await run(shred));
      }
      return finish(last!);
    }
  }
}
