/**
 * @module machine/image/qcow2/inflate-cluster
 * Decompresses one compressed qcow2 cluster. The stored range is rounded up to a sector,
 * so it may carry the next cluster's first bytes: raw deflate stops at its end by itself;
 * a zstd frame is measured first and cut to size.
 */
import zlib from "node:zlib";
import { ImageErrors } from "../errors.ts";

/** Length of the zstd frame at the start of `b` (RFC 8878 §3.1.1), or null if malformed. */
export function zstdFrameLength(b: Uint8Array): number | null {
  if (b.length < 6 || b[0] !== 0x28 || b[1] !== 0xb5 || b[2] !== 0x2f || b[3] !== 0xfd) return null;
  const fhd = b[4]!;
  const fcsFlag = fhd >> 6;
  const single = (fhd >> 5) & 1;
  const checksum = (fhd >> 2) & 1;
  const didSize = [0, 1, 2, 4][fhd & 3]!;
  const fcsSize = [single ? 1 : 0, 2, 4, 8][fcsFlag]!;
  let at = 5 + (single ? 0 : 1) + didSize + fcsSize;
  for (;;) {
    if (at + 3 > b.length) return null;
    const h = b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
    const last = h & 1;
    const type = (h >> 1) & 3;
    const size = h >>> 3;
    at += 3 + (type === 1 ? 1 : size);
    if (last) break;
  }
  at += checksum ? 4 : 0;
  return at <= b.length ? at : null;
}

/**
 * @example
 * const plain = inflateCluster(stored, "zlib", 65536);
 */
export function inflateCluster(stored: Uint8Array, compression: "zlib" | "zstd", clusterSize: number): Uint8Array {
  let out: Uint8Array;
  try {
    if (compression === "zlib") {
      out = zlib.inflateRawSync(stored, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: clusterSize * 2 });
    } else {
      const length = zstdFrameLength(stored);
      if (length === null) throw new Error("malformed zstd frame");
      const z = zlib as unknown as { zstdDecompressSync(b: Uint8Array): Uint8Array };
      out = z.zstdDecompressSync(stored.subarray(0, length));
    }
  } catch (error) {
    throw ImageErrors.qcow2Invalid(`compressed cluster: ${(error as Error).message}`);
  }
  if (out.length < clusterSize) throw ImageErrors.qcow2Invalid(`compressed cluster inflated to ${out.length} bytes`);
  return out.subarray(0, clusterSize);
}
