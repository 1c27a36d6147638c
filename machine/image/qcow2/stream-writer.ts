/**
 * @module machine/image/qcow2/stream-writer
 * Writes a qcow2 image to the disk in one sequential pass over the file: each byte is
 * routed by the cluster map to its guest offset as it arrives, compressed clusters are
 * inflated one at a time, and at the end every unmapped guest range is zeroed. No staging
 * file, no image-sized buffer. When the map is learned from the stream (no Range support,
 * or a compressed container), clusters met before their L2 table are served from a short
 * look-back window; qemu-img writes tables before data, so it stays unused in practice.
 */
import type { DiskWriter } from "../disk-writer.ts";
import { ImageErrors } from "../errors.ts";
import type { ClusterMap, Extent } from "./cluster-map.ts";
import { inflateCluster } from "./inflate-cluster.ts";

export interface Qcow2StreamOptions {
  map: ClusterMap;
  writer: DiskWriter;
  /** Bytes of recent stream kept while the map is incomplete. */
  lookbackBytes?: number;
  /** Called once all data is routed, before holes are zeroed. */
  onDataDone?: () => void;
}

export interface Qcow2StreamResult {
  readonly fileBytes: number;
  readonly virtualSize: number;
  readonly holesZeroed: number;
}

/**
 * @example
 * const map = createClusterMap(parseQcow2Header(head));
 * await writeQcow2Stream(plainChunks, { map, writer });
 */
export async function writeQcow2Stream(chunks: AsyncIterable<Uint8Array>, options: Qcow2StreamOptions): Promise<Qcow2StreamResult> {
  const { map, writer } = options;
  const { header } = map;
  const lookbackLimit = options.lookbackBytes ?? 32 << 20;
  const lookback: Array<{ host: number; bytes: Uint8Array }> = [];
  let lookbackSize = 0;
  const active: Extent[] = [];
  const complete = () => map.l1Parsed && map.l2Outstanding === 0;

  if (!map.l1Parsed) {
    map.add({ kind: "l1", host: header.l1Offset, length: header.l1Size * 8, filled: 0, l1Index: -1, buf: null });
  }

  const finishExtent = async (e: Extent) => {
    if (e.kind === "compressed") {
      const plain = inflateCluster(e.buf!.subarray(0, e.filled), header.compression, header.clusterSize);
      e.buf = null;
      await writer.write(e.guest, plain.subarray(0, Math.min(header.clusterSize, header.virtualSize - e.guest)));
    } else if (e.kind === "l1") {
      for (const t of map.parseL1(e.buf!)) {
        map.add({ kind: "l2", host: t.host, length: header.clusterSize, filled: 0, l1Index: t.l1Index, buf: null });
      }
      e.buf = null;
    } else if (e.kind === "l2") {
      map.parseL2(e.buf!, e.l1Index);
      e.buf = null;
    }
  };

  /** Hands `bytes` (at host offset `from`, which is `e.host + e.filled`) to the extent. */
  const feed = async (e: Extent, bytes: Uint8Array) => {
    const offset = e.filled;
    e.filled += bytes.length;
    if (e.kind === "data") {
      await writer.write(e.guest + offset, bytes);
      return;
    }
    e.buf ??= new Uint8Array(e.length);
    e.buf.set(bytes, offset);
    if (e.filled === e.length) await finishExtent(e);
  };

  /** Feeds an extent that starts behind the stream position from the look-back window. */
  const backfill = async (e: Extent, upTo: number) => {
    for (const piece of lookback) {
      const want = e.host + e.filled;
      if (want >= upTo || want >= e.host + e.length) break;
      const end = piece.host + piece.bytes.length;
      if (end <= want) continue;
      if (piece.host > want) break;
      const stop = Math.min(end, upTo, e.host + e.length);
      await feed(e, piece.bytes.subarray(want - piece.host, stop - piece.host));
    }
    if (e.host + e.filled < Math.min(upTo, e.host + e.length)) {
      throw ImageErrors.qcow2Unsupported(
        `cluster at ${e.host} comes before its L2 table by more than ${lookbackLimit} bytes; serve the image with HTTP Range support`,
      );
    }
  };

  let pos = 0;
  for await (const chunk of chunks) {
    const cs = pos;
    const ce = pos + chunk.length;
    pos = ce;
    if (!complete()) {
      // A copy: decompressed chunks are views of a buffer that is reused for the next one.
      lookback.push({ host: cs, bytes: chunk.slice() });
      lookbackSize += chunk.length;
      while (lookbackSize - lookback[0]!.bytes.length >= lookbackLimit) lookbackSize -= lookback.shift()!.bytes.length;
    } else if (lookback.length) {
      lookback.length = 0;
      lookbackSize = 0;
    }
    for (;;) {
      const before = map.queue.length;
      while (map.next < map.queue.length && map.queue[map.next]!.host < ce) {
        const e = map.queue[map.next++]!;
        if (e.host + e.filled < cs) await backfill(e, cs);
        if (e.filled < e.length) active.push(e);
      }
      for (const e of active) {
        const from = Math.max(e.host + e.filled, cs);
        const to = Math.min(e.host + e.length, ce);
        if (from < to) await feed(e, chunk.subarray(from - cs, to - cs));
      }
      for (let i = active.length - 1; i >= 0; i--) if (active[i]!.filled >= active[i]!.length) active.splice(i, 1);
      // Tables parsed in this chunk may have mapped clusters that are also in it.
      if (map.queue.length === before || map.next >= map.queue.length || map.queue[map.next]!.host >= ce) break;
    }
  }

  // A compressed cluster at the very end may be shorter than its sector-rounded length.
  for (const e of active) {
    if (e.kind === "compressed" && e.filled > 0 && e.host + e.filled === pos) await finishExtent(e);
    else throw ImageErrors.qcow2Invalid(`${e.kind} at ${e.host} extends beyond the end of the file (${pos} bytes)`);
  }
  if (map.next < map.queue.length) {
    const e = map.queue[map.next]!;
    throw ImageErrors.qcow2Invalid(`${e.kind} at ${e.host} lies beyond the end of the file (${pos} bytes)`);
  }
  if (!complete()) throw ImageErrors.qcow2Invalid("L1/L2 tables missing from the file");
  options.onDataDone?.();
  let holesZeroed = 0;
  for (const hole of map.holes()) {
    await writer.zero(hole.start, hole.end - hole.start);
    holesZeroed += hole.end - hole.start;
  }
  return { fileBytes: pos, virtualSize: header.virtualSize, holesZeroed };
}
