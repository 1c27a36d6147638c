/**
 * @module machine/image/zero-runs
 * Splits a buffer into runs of data and runs of zeros, block by block. The test per block
 * is a `memcmp` against a zero block (Buffer.equals): a random block fails on its first
 * bytes, a zero block is checked at memory speed.
 */

export interface Run {
  readonly start: number;
  readonly end: number;
  readonly zero: boolean;
}

const ZERO_BLOCKS = new Map<number, Buffer>();

function zeroBlock(size: number): Buffer {
  let z = ZERO_BLOCKS.get(size);
  if (!z) ZERO_BLOCKS.set(size, (z = Buffer.alloc(size)));
  return z;
}

/** True when every byte of `data` is zero. */
export function isAllZero(data: Uint8Array): boolean {
  const view = Buffer.from(data.buffer, data.byteOffset, data.length);
  const block = 1 << 16;
  for (let at = 0; at < view.length; at += block) {
    const n = Math.min(block, view.length - at);
    if (!view.subarray(at, at + n).equals(zeroBlock(block).subarray(0, n))) return false;
  }
  return true;
}

/**
 * Runs of `data`; zero runs shorter than `minZeroRun` are folded into the data around them
 * (a few zero blocks are cheaper to write than to split a large write around).
 * @example
 * splitZeroRuns(buf, 65536, 1 << 20) // [{ start: 0, end: 4194304, zero: false }, { start: 4194304, end: 8388608, zero: true }]
 */
export function splitZeroRuns(data: Uint8Array, blockSize: number, minZeroRun: number): Run[] {
  const view = Buffer.from(data.buffer, data.byteOffset, data.length);
  const zero = zeroBlock(blockSize);
  const raw: Run[] = [];
  for (let at = 0; at < view.length; at += blockSize) {
    const end = Math.min(at + blockSize, view.length);
    const isZero = end - at === blockSize ? view.subarray(at, end).equals(zero) : isAllZero(view.subarray(at, end));
    const last = raw[raw.length - 1];
    if (last && last.zero === isZero) raw[raw.length - 1] = { start: last.start, end, zero: isZero };
    else raw.push({ start: at, end, zero: isZero });
  }
  const runs: Run[] = [];
  for (const run of raw) {
    const asData = run.zero && run.end - run.start < minZeroRun ? { ...run, zero: false } : run;
    const last = runs[runs.length - 1];
    if (last && last.zero === asData.zero) runs[runs.length - 1] = { start: last.start, end: asData.end, zero: asData.zero };
    else runs.push(asData);
  }
  return runs;
}
