/**
 * @module machine/image/memory-pacer
 * Keeps the agent's RSS bounded when downloaded chunks are garbage. Both transports free
 * their chunks as they go (http-socket, http-request), so this paces collections only when a
 * chunk could not be freed. Such chunks are fresh buffers, freed when the GC sweeps them; left
 * to its own pace the GC let that garbage (plus what the allocator kept of it) reach ~100 MB
 * on top of the agent's own ~60 MB. A collection with a sweep every `everyBytes` downloaded
 * caps it; one more at the end returns the rest before the agent idles. `releaseBuffer` is
 * how the transports free a consumed chunk at once.
 */
import { gcAndSweep } from "bun:jsc";

export interface MemoryPacer {
  /** Counts downloaded bytes; collects when `everyBytes` have passed since the last time. */
  add(bytes: number): void;
  /** Collects now (the image is done, or failed). */
  release(): void;
}

/**
 * Downloaded bytes between collections (a full collection in the agent costs ~10 ms: at 16 MiB
 * that is ~1 s per 2 GiB, the price of bounded memory on the fetch path). Through fetch, a
 * 2 GiB write peaked at 151 MiB RSS with 128 MiB, 139 MiB with 32 MiB.
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

/**
 * Frees a buffer now instead of at the next garbage collection; false when it cannot be
 * (shared, or pinned by the runtime: the collector frees it later).
 */
export function releaseBuffer(buffer: ArrayBufferLike): boolean {
  const transfer = (buffer as ArrayBuffer & { transfer?: (n: number) => ArrayBuffer }).transfer;
  if (typeof transfer !== "function") return false;
  try {
    transfer.call(buffer, 0);
    return true;
  } catch {
    return false;
  }
}
