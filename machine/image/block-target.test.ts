/**
 * Zeroing a range: offloaded to the device (BLKZEROOUT) when it supports write-zeroes, else
 * written out asynchronously, so the agent keeps serving while a slow disk writes zeros.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { openBlockTarget, writeZeroesOffloaded } from "./block-target.ts";
import { createLoopDevice, type LoopDevice } from "../../test/support/loop-device.ts";

const MiB = 1 << 20;
let loop: LoopDevice;
beforeAll(() => {
  loop = createLoopDevice(64 * MiB);
});
afterAll(() => loop?.detach());

async function zeroMiddle(zeroOffload: boolean) {
  loop.fill(0xa5);
  const target = openBlockTarget(loop.path, { zeroOffload });
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 0);
  try {
    const method = await target.zeroOut(MiB + 4096, 40 * MiB);
    await target.sync();
    return { method, ticks };
  } finally {
    clearInterval(ticker);
    target.close();
  }
}

function expectZeroedMiddle() {
  const bytes = loop.read(0, 64 * MiB);
  expect(bytes.subarray(MiB + 4096, 41 * MiB + 4096).every((b) => b === 0)).toBe(true);
  expect(bytes.subarray(0, MiB + 4096).every((b) => b === 0xa5)).toBe(true);
  expect(bytes.subarray(41 * MiB + 4096).every((b) => b === 0xa5)).toBe(true);
}

test("write-zeroes support is read from sysfs", () => {
  const name = path.basename(loop.path);
  const sysfs = Number(fs.readFileSync(`/sys/block/${name}/queue/write_zeroes_max_bytes`, "utf8")) > 0;
  expect(writeZeroesOffloaded(fs.statSync(loop.path).rdev)).toBe(sysfs);
  // An unknown device counts as offloaded: the ioctl is always correct.
  expect(writeZeroesOffloaded(0xfff00)).toBe(true);
});

test("without offload, zeros are written asynchronously: the event loop keeps turning", async () => {
  const { method, ticks } = await zeroMiddle(false);
  expect(method).toBe("written");
  expect(ticks).toBeGreaterThan(0);
  expectZeroedMiddle();
});

test("with offload, one BLKZEROOUT request", async () => {
  const { method } = await zeroMiddle(true);
  expect(method).toBe("ioctl");
  expectZeroedMiddle();
});
