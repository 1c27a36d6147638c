/**
 * @module agent/image/memory-pacer
 * Keeps the agent's RSS bounded while an image streams through it. Every chunk fetch hands
 * us is a fresh buffer, freed only when the GC sweeps it; left to its own pace the GC let
 * that garbage (plus what the allocator kept of it) reach ~100 MB on top of the agent's own
 * ~60 MB. A collection with a sweep every `everyBytes` downloaded caps it at a cost of a few
 * milliseconds per collection; one more at the end returns the rest before the agent idles.
 */
import { gcAndSweep } from "bun:jsc";

export interface MemoryPacer {
  /** Counts downloaded bytes; collects when `everyBytes` have passed since the last time. */
  add(bytes: number): void;
  /** Collects now (the image is done, or failed). */
  release(): void;
}

/**
 * Downloaded bytes between collections (a few ms each). The compiled agent writing a 2 GiB
 * 60%-zeros raw image (hash thread included) peaked at 140-150 MiB RSS with 32 MiB and at
 * 116-128 MiB with 16 MiB (bench/image-write), with no loss of speed measurable through the noise.
 */
export const DEFAULT_GC_EVERY = 16 << 20;

/**
 * @example
 * const pacer = createMemoryPacer();
 * for await (const chunk of download) { pacer.add(chunk.length); ... }
 * pacer.release();
 */
export function createMemoryPacer(everyBytes = DEFAULT_GC_EVERY, collect: () => unknown = gcAndSweep): MemoryPacer {
  let since = 0;
  return {
    add(bytes) {
      since += bytes;
      if (since < everyBytes) return;
      since = 0;
      collect();
    },
    release() {
      since = 0;
      // The full version also asks the allocator to hand freed pages back to the kernel.
      Bun.gc(true);
    },
  };
}
