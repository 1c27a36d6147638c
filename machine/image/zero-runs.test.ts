import { describe, expect, test } from "bun:test";
import { isAllZero, splitZeroRuns } from "./zero-runs.ts";

describe("zero runs", () => {
  test("splits on block boundaries and folds short zero runs into data", () => {
    const b = new Uint8Array(8 * 65536).fill(1);
    b.fill(0, 65536, 4 * 65536); // 3 blocks of zeros
    b.fill(0, 5 * 65536, 6 * 65536); // 1 block: too short to split for
    expect(splitZeroRuns(b, 65536, 2 * 65536)).toEqual([
      { start: 0, end: 65536, zero: false },
      { start: 65536, end: 4 * 65536, zero: true },
      { start: 4 * 65536, end: 8 * 65536, zero: false },
    ]);
  });

  test("a partial last block counts", () => {
    const b = new Uint8Array(65536 + 100);
    expect(splitZeroRuns(b, 65536, 1)).toEqual([{ start: 0, end: 65636, zero: true }]);
    b[65600] = 1;
    expect(isAllZero(b)).toBe(false);
  });
});
