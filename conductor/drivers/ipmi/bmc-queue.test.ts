/**
 * @module conductor/drivers/ipmi/bmc-queue.test
 * One command at a time per BMC, a rest between; different BMCs independent.
 */
import { expect, test } from "bun:test";
import { createBmcQueue } from "./bmc-queue.ts";

test("commands to one BMC never overlap and are at least the interval apart", async () => {
  const queue = createBmcQueue(50);
  const spans: [number, number][] = [];
  let running = 0;
  let maxRunning = 0;
  const task = async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    const start = performance.now();
    await Bun.sleep(10);
    spans.push([start, performance.now()]);
    running--;
  };
  await Promise.all([queue.run("a:623", task), queue.run("a:623", task), queue.run("a:623", task)]);
  expect(maxRunning).toBe(1);
  // A lower bound only: a loaded machine makes gaps longer, never shorter.
  for (let i = 1; i < spans.length; i++) expect(spans[i]![0] - spans[i - 1]![1]).toBeGreaterThanOrEqual(49);
});

test("different BMCs do not wait for each other", async () => {
  const queue = createBmcQueue(10_000);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  // If b waited for a (or for a's 10 s rest), a would never be released: the test would time out.
  const a = queue.run("a:623", () => gate);
  await queue.run("b:623", async () => release());
  await a;
});

test("a failing command rejects its caller only; the next one still runs", async () => {
  const queue = createBmcQueue(0);
  const failed = queue.run("a:623", async () => {
    throw new Error("boom");
  });
  await expect(failed).rejects.toThrow("boom");
  expect(await queue.run("a:623", async () => 42)).toBe(42);
});
