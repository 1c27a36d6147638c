/**
 * @module machine/image/qcow2/range-map
 * Learns the whole cluster map up front with HTTP Range reads: the L1 table, then the L2
 * tables in a few coalesced requests. With the map complete before the data pass, no
 * cluster ever waits for its table, whatever order the file was written in.
 */
import { createClusterMap, type ClusterMap } from "./cluster-map.ts";
import type { Qcow2Header } from "./header.ts";

export type RangeReader = (offset: number, length: number) => Promise<Uint8Array>;

/** Tables closer than this are fetched in one request, the gap read and dropped. */
const MAX_GAP = 1 << 20;
/** Upper bound of one metadata request, to keep memory flat on huge images. */
const MAX_REQUEST = 16 << 20;

/**
 * @example
 * const map = await loadClusterMap(header, (off, len) => readRange(opts, off, len));
 */
export async function loadClusterMap(header: Qcow2Header, read: RangeReader): Promise<ClusterMap> {
  const map = createClusterMap(header);
  const tables = map.parseL1(await read(header.l1Offset, header.l1Size * 8));
  const size = header.clusterSize;
  let i = 0;
  while (i < tables.length) {
    const first = tables[i]!;
    let j = i + 1;
    while (
      j < tables.length &&
      tables[j]!.host - (tables[j - 1]!.host + size) <= MAX_GAP &&
      tables[j]!.host + size - first.host <= MAX_REQUEST
    ) {
      j++;
    }
    const last = tables[j - 1]!;
    const bytes = await read(first.host, last.host + size - first.host);
    for (let k = i; k < j; k++) {
      const t = tables[k]!;
      map.parseL2(bytes.subarray(t.host - first.host, t.host - first.host + size), t.l1Index);
    }
    i = j;
  }
  return map;
}
