import { expect, test } from "bun:test";
import { retryAfterMs } from "./task-monitor.ts";

test("Retry-After: seconds or an HTTP date, capped at 10 s, absent or garbage is null", () => {
  expect(retryAfterMs("2")).toBe(2000);
  expect(retryAfterMs("600")).toBe(10_000);
  const now = Date.parse("2026-12-01T10:00:00Z");
  expect(retryAfterMs("Tue, 01 Dec 2026 10:00:03 GMT", now)).toBe(3000);
  expect(retryAfterMs("Tue, 01 Dec 2026 09:00:00 GMT", now)).toBe(0);
  expect(retryAfterMs(null)).toBeNull();
  expect(retryAfterMs("soon")).toBeNull();
});
