/**
 * @module machine/image/progress
 * Counts bytes downloaded and written and turns them into the progress record shown in
 * `command_result` while the command runs: rate over a sliding window, ETA when the total
 * is known, at most a few reports per second.
 */
import type { ImageProgress } from "../../protocol/image-info.ts";

export type Stage = "checksum" | "partition" | "connect" | "download" | "metadata" | "zeroing" | "sync" | "configdrive" | "done" | "wipe";

export interface ProgressTracker {
  downloaded(bytes: number): void;
  written(bytes: number): void;
  setTotal(total: number | null): void;
  stage(stage: Stage): void;
  snapshot(): ImageProgress;
  /** Forces a report now (stage changes, the end). */
  report(): void;
}

/**
 * @example
 * const p = createProgressTracker((u) => ctx.progress(u));
 * p.setTotal(2 << 30); p.downloaded(65536);
 */
export function createProgressTracker(
  onProgress: ((update: ImageProgress) => void) | undefined,
  options: { intervalMs?: number; now?: () => number } = {},
): ProgressTracker {
  const now = options.now ?? (() => performance.now());
  const interval = options.intervalMs ?? 500;
  let downloaded = 0;
  let written = 0;
  let total: number | null = null;
  let stage: Stage = "connect";
  let lastReport = -Infinity;
  // Samples of (time, downloaded) for a ~5 s sliding rate.
  const samples: Array<[number, number]> = [[now(), 0]];

  const snapshot = (): ImageProgress => {
    const t = now();
    samples.push([t, downloaded]);
    while (samples.length > 2 && t - samples[0]![0] > 5000) samples.shift();
    const [t0, d0] = samples[0]!;
    const rate = t > t0 ? ((downloaded - d0) * 1000) / (t - t0) : 0;
    const eta = total !== null && rate > 0 ? Math.max(0, (total - downloaded) / rate) : null;
    return {
      stage,
      bytes_downloaded: downloaded,
      bytes_written: written,
      total_bytes: total,
      rate_bytes_per_s: Math.round(rate),
      eta_s: eta === null ? null : Math.round(eta * 10) / 10,
    };
  };

  const maybeReport = () => {
    if (!onProgress) return;
    const t = now();
    if (t - lastReport < interval) return;
    lastReport = t;
    onProgress(snapshot());
  };

  return {
    downloaded(bytes) {
      downloaded += bytes;
      maybeReport();
    },
    written(bytes) {
      written += bytes;
      maybeReport();
    },
    setTotal(value) {
      total = value;
    },
    stage(next) {
      stage = next;
      lastReport = -Infinity;
      maybeReport();
    },
    snapshot,
    report() {
      lastReport = -Infinity;
      maybeReport();
    },
  };
}
