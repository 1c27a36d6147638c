/** The disk writer's zero runs: merged, then issued in bounded requests with the event loop turning between them. */
import { expect, test } from "bun:test";
import type { BlockTarget } from "./block-target.ts";
import { createDiskWriter } from "./disk-writer.ts";

const MiB = 1 << 20;

function fakeTarget() {
  const zeroes: Array<[number, number]> = [];
  const writes: Array<[number, number]> = [];
  const target: BlockTarget = {
    path: "/dev/fake",
    size: 4096 * MiB,
    isBlockDevice: true,
    direct: false,
    async write(buf, offset) {
      writes.push([offset, buf.length]);
    },
    async zeroOut(offset, length) {
      zeroes.push([offset, length]);
      return "ioctl";
    },
    async sync() {},
    close() {},
  };
  return { target, zeroes, writes };
}

test("a long zero run becomes requests of at most 128 MiB covering it exactly, the event loop turning between them", async () => {
  const { target, zeroes } = fakeTarget();
  const writer = createDiskWriter(target);
  // Counts turns of the event loop (an await of a promise alone never lets this run).
  let ticks = 0;
  let ticking = true;
  const tick = () => {
    ticks++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  await Promise.resolve();
  const before = ticks;
  try {
    // two contiguous holes merge into one run of 300 MiB
    await writer.zero(4096, 100 * MiB);
    await writer.zero(4096 + 100 * MiB, 200 * MiB);
    const stats = await writer.finish();
    expect(stats.bytesZeroed).toBe(300 * MiB);
  } finally {
    ticking = false;
  }
  expect(zeroes.length).toBe(3);
  expect(zeroes.every(([, n]) => n <= 128 * MiB)).toBe(true);
  let at = 4096;
  for (const [offset, n] of zeroes) {
    expect(offset).toBe(at);
    at += n;
  }
  expect(at).toBe(4096 + 300 * MiB);
  expect(ticks).toBeGreaterThan(before);
});

test("zero blocks inside written data are zeroed, not written", async () => {
  const { target, zeroes, writes } = fakeTarget();
  const writer = createDiskWriter(target);
  const data = new Uint8Array(8 * MiB).fill(7);
  data.fill(0, 2 * MiB, 5 * MiB);
  await writer.write(0, data);
  await writer.finish();
  expect(zeroes).toEqual([[2 * MiB, 3 * MiB]]);
  expect(writes.reduce((n, [, len]) => n + len, 0)).toBe(5 * MiB);
});
