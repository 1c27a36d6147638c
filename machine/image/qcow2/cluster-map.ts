/**
 * @module machine/image/qcow2/cluster-map
 * Where each guest cluster's bytes sit in the qcow2 file, as a queue of extents sorted by
 * host offset (the order the file streams in). L1 and L2 tables are extents too when the
 * map is learned from the stream itself. Contiguous data clusters merge into one extent,
 * so a typical image maps to a handful of large writes.
 */
import { ImageErrors } from "../errors.ts";
import { L2_COMPRESSED, L2_ZERO, OFFSET_MASK, compressedRange, type Qcow2Header } from "./header.ts";

interface ExtentBase {
  readonly host: number;
  length: number;
  /** Bytes of this extent seen so far (they arrive in order). */
  filled: number;
}
export interface DataExtent extends ExtentBase {
  readonly kind: "data";
  readonly guest: number;
}
export interface CompressedExtent extends ExtentBase {
  readonly kind: "compressed";
  readonly guest: number;
  buf: Uint8Array | null;
}
export interface TableExtent extends ExtentBase {
  readonly kind: "l1" | "l2";
  readonly l1Index: number;
  buf: Uint8Array | null;
}
export type Extent = DataExtent | CompressedExtent | TableExtent;

export interface ClusterMap {
  readonly header: Qcow2Header;
  /** Extents sorted by host offset; consumers advance `next`. */
  readonly queue: Extent[];
  next: number;
  /** L2 tables referenced by L1 but not parsed yet (the map is complete at 0, after L1). */
  l2Outstanding: number;
  l1Parsed: boolean;
  /** Adds an extent in host order. Returns it. */
  add<T extends Extent>(extent: T): T;
  /** Parses the L1 table; returns the L2 tables it references, by host offset. */
  parseL1(bytes: Uint8Array): Array<{ l1Index: number; host: number }>;
  /** Parses one L2 table and adds its clusters; returns the extents added. */
  parseL2(bytes: Uint8Array, l1Index: number): Extent[];
  /** Guest ranges no cluster maps to: they read as zeros. */
  holes(): Array<{ start: number; end: number }>;
}

/**
 * @example
 * const map = createClusterMap(header);
 * for (const t of map.parseL1(l1Bytes)) map.add({ kind: "l2", host: t.host, length: header.clusterSize, filled: 0, l1Index: t.l1Index, buf: null });
 */
export function createClusterMap(header: Qcow2Header): ClusterMap {
  const queue: Extent[] = [];
  // Allocated guest ranges, merged while contiguous; sorted at the end.
  const allocated: Array<[number, number]> = [];
  const { clusterSize, clusterBits, l2Entries, virtualSize } = header;

  const markAllocated = (start: number, end: number) => {
    const last = allocated[allocated.length - 1];
    if (last && last[1] === start) last[1] = end;
    else allocated.push([start, end]);
  };

  const map: ClusterMap = {
    header,
    queue,
    next: 0,
    l2Outstanding: 0,
    l1Parsed: false,
    add(extent) {
      const last = queue[queue.length - 1];
      if (!last || last.host <= extent.host) {
        queue.push(extent);
      } else {
        let lo = map.next;
        let hi = queue.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (queue[mid]!.host <= extent.host) lo = mid + 1;
          else hi = mid;
        }
        queue.splice(lo, 0, extent);
      }
      return extent;
    },
    parseL1(bytes) {
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
      const tables: Array<{ l1Index: number; host: number }> = [];
      for (let i = 0; i < header.l1Size; i++) {
        const host = Number(v.getBigUint64(i * 8) & OFFSET_MASK);
        if (host === 0) continue;
        if (host % clusterSize !== 0) throw ImageErrors.qcow2Invalid(`L2 table ${i} at unaligned offset ${host}`);
        tables.push({ l1Index: i, host });
      }
      map.l1Parsed = true;
      map.l2Outstanding = tables.length;
      return tables.sort((a, b) => a.host - b.host);
    },
    parseL2(bytes, l1Index) {
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
      const added: Extent[] = [];
      let run: DataExtent | null = null;
      for (let j = 0; j < l2Entries; j++) {
        const guest = (l1Index * l2Entries + j) * clusterSize;
        if (guest >= virtualSize) break;
        const entry = v.getBigUint64(j * 8);
        if (entry & L2_COMPRESSED) {
          run = null;
          const { host, length } = compressedRange(entry, clusterBits);
          added.push(map.add({ kind: "compressed", host, length, filled: 0, guest, buf: null }));
          markAllocated(guest, Math.min(guest + clusterSize, virtualSize));
          continue;
        }
        const host = Number(entry & OFFSET_MASK);
        // Unallocated, or allocated but flagged zero: reads as zeros.
        if (host === 0 || entry & L2_ZERO) {
          run = null;
          continue;
        }
        if (host % clusterSize !== 0) throw ImageErrors.qcow2Invalid(`data cluster at unaligned offset ${host}`);
        const length = Math.min(clusterSize, virtualSize - guest);
        if (run && run.host + run.length === host && run.guest + run.length === guest && run.length % clusterSize === 0) {
          run.length += length;
        } else {
          run = map.add({ kind: "data", host, length, filled: 0, guest });
          added.push(run);
        }
        markAllocated(guest, guest + length);
      }
      map.l2Outstanding -= 1;
      return added;
    },
    holes() {
      const sorted = [...allocated].sort((a, b) => a[0] - b[0]);
      const holes: Array<{ start: number; end: number }> = [];
      let at = 0;
      for (const [s, e] of sorted) {
        if (s > at) holes.push({ start: at, end: s });
        at = Math.max(at, e);
      }
      if (at < virtualSize) holes.push({ start: at, end: virtualSize });
      return holes;
    },
  };
  return map;
}
