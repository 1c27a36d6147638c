/**
 * @module machine/image/qcow2/header
 * The qcow2 header (versions 2 and 3) and the table-entry encodings the writer needs.
 * Features that would make the image depend on anything but its own bytes (backing file,
 * external data file, encryption) are refused: an image must not read the host's files.
 */
import { ImageErrors } from "../errors.ts";

export interface Qcow2Header {
  readonly version: 2 | 3;
  readonly clusterBits: number;
  readonly clusterSize: number;
  readonly virtualSize: number;
  readonly l1Size: number;
  readonly l1Offset: number;
  /** Entries per L2 table. */
  readonly l2Entries: number;
  readonly compression: "zlib" | "zstd";
}

/** Bytes of the header the parser reads (v3 with compression type). */
export const QCOW2_HEADER_BYTES = 112;
const QCOW2_MAGIC = 0x514649fb;
/** Bits 9..55 of L1 and standard L2 entries: the host offset. */
export const OFFSET_MASK = 0x00fffffffffffe00n;
export const L2_COMPRESSED = 1n << 62n;
export const L2_ZERO = 1n;

const INCOMPAT_DIRTY = 1n;
const INCOMPAT_CORRUPT = 2n;
const INCOMPAT_DATA_FILE = 4n;
const INCOMPAT_COMPRESSION = 8n;
const INCOMPAT_EXTL2 = 16n;
const KNOWN_INCOMPAT = INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_DATA_FILE | INCOMPAT_COMPRESSION | INCOMPAT_EXTL2;

/**
 * Parses and vets the header.
 * @example
 * const h = parseQcow2Header(firstBytes); // { clusterSize: 65536, virtualSize: 2147483648, ... }
 */
export function parseQcow2Header(bytes: Uint8Array): Qcow2Header {
  if (bytes.length < 72) throw ImageErrors.qcow2Invalid("header truncated");
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (v.getUint32(0) !== QCOW2_MAGIC) throw ImageErrors.qcow2Invalid("bad magic");
  const version = v.getUint32(4);
  if (version !== 2 && version !== 3) throw ImageErrors.qcow2Unsupported(`version ${version}`);
  if (v.getBigUint64(8) !== 0n) throw ImageErrors.qcow2Unsupported("images with a backing file are refused");
  const clusterBits = v.getUint32(20);
  if (clusterBits < 9 || clusterBits > 21) throw ImageErrors.qcow2Invalid(`cluster_bits ${clusterBits}`);
  const virtualSize = Number(v.getBigUint64(24));
  if (v.getUint32(32) !== 0) throw ImageErrors.qcow2Unsupported("encrypted images are refused");
  const l1Size = v.getUint32(36);
  const l1Offset = Number(v.getBigUint64(40));
  const clusterSize = 2 ** clusterBits;
  const l2Entries = clusterSize / 8;
  if (l1Size * l2Entries * clusterSize < virtualSize) throw ImageErrors.qcow2Invalid("L1 table too small for the virtual size");
  if (l1Size > 32 << 20) throw ImageErrors.qcow2Invalid(`L1 table of ${l1Size} entries`);
  let compression: "zlib" | "zstd" = "zlib";
  if (version === 3) {
    if (bytes.length < 104) throw ImageErrors.qcow2Invalid("v3 header truncated");
    const incompat = v.getBigUint64(72);
    if (incompat & ~KNOWN_INCOMPAT) throw ImageErrors.qcow2Unsupported(`unknown incompatible features 0x${incompat.toString(16)}`);
    if (incompat & INCOMPAT_CORRUPT) throw ImageErrors.qcow2Invalid("image is marked corrupt");
    if (incompat & INCOMPAT_DATA_FILE) throw ImageErrors.qcow2Unsupported("images with an external data file are refused");
    if (incompat & INCOMPAT_EXTL2) throw ImageErrors.qcow2Unsupported("extended L2 entries (subclusters)");
    const headerLength = v.getUint32(100);
    if (incompat & INCOMPAT_COMPRESSION) {
      if (headerLength <= 104 || bytes.length < 105) throw ImageErrors.qcow2Invalid("compression type missing");
      const type = bytes[104];
      if (type === 1) compression = "zstd";
      else if (type !== 0) throw ImageErrors.qcow2Unsupported(`compression type ${type}`);
    }
  }
  return { version, clusterBits, clusterSize, virtualSize, l1Size, l1Offset, l2Entries, compression };
}

/** Host byte range of a compressed cluster descriptor. */
export function compressedRange(entry: bigint, clusterBits: number): { host: number; length: number } {
  const x = BigInt(62 - (clusterBits - 8));
  const host = Number(entry & ((1n << x) - 1n));
  const sectors = Number((entry >> x) & ((1n << (62n - x)) - 1n)) + 1;
  return { host, length: sectors * 512 - (host % 512) };
}
