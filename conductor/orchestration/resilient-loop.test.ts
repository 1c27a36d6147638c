/**
 * The resilient loop: a run that throws (or rejects) is logged and retried with a growing
 * wait, the loop never stops by itself, the first success brings the interval back, `once`
 * ends after a success, runs never overlap, and `stop()` waits for the run in progress.
 */
import { expect, test } from "bun:test";
import { createSilentLogger } from "../../common/logger.ts";
import { backoffMs, createResilientLoop } from "./resilient-loop.ts";

const log = createSilentLogger();

async function until(pred: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error("condition not reached");
    await Bun.sleep(5);
  }
}

test("the wait doubles with each consecutive failure, up to the cap, never below the interval", () => {
  expect([1, 2, 3, 4, 5].map((n) => backoffMs(1000, n, 5000))).toEqual([2000, 4000, 5000, 5000, 5000]);
  expect(backoffMs(10_000, 3, 5000)).toBe(10_000);
});

test("a run that throws is retried; the loop keeps running and counts failures until a success resets them", async () => {
  let calls = 0;
  const loop = createResilientLoop({
    name: "flaky", intervalMs: 2, maxBackoffMs: 10, log,
    run: () => {
      calls++;
      if (calls <= 3) throw Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" });
    },
  });
  loop.start();
  await until(() => calls === 3);
  expect(loop.failures).toBe(3);
  await until(() => calls >= 6);
  expect(loop.failures).toBe(0);
  expect(loop.running).toBe(true);
  await loop.stop();
  const after = calls;
  await Bun.sleep(30);
  expect(calls).toBe(after);
});

test("a rejected async run is retried like a throw, and runs never overlap", async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  let calls = 0;
  const loop = createResilientLoop({
    name: "async", intervalMs: 1, maxBackoffMs: 4, log,
    run: async () => {
      calls++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await Bun.sleep(10);
      inFlight--;
      if (calls % 2) throw new Error("peer down");
    },
  });
  loop.start();
  await until(() => calls >= 6);
  await loop.stop();
  expect(maxInFlight).toBe(1);
  expect(inFlight).toBe(0);
});

test("once: retried until it succeeds, then it stops", async () => {
  let calls = 0;
  const loop = createResilientLoop({
    name: "recovery", intervalMs: 1, maxBackoffMs: 4, once: true, log,
    run: () => {
      if (++calls < 3) throw new Error("database or disk is full");
    },
  });
  loop.start();
  await until(() => !loop.running);
  expect(calls).toBe(3);
  await Bun.sleep(20);
  expect(calls).toBe(3);
});

test("stop() waits for the run in progress", async () => {
  let finished = false;
  const loop = createResilientLoop({
    name: "slow", intervalMs: 1, log, firstDelayMs: 0,
    run: async () => {
      await Bun.sleep(30);
      finished = true;
    },
  });
  loop.start();
  await Bun.sleep(10);
  await loop.stop();
  expect(finished).toBe(true);
});
