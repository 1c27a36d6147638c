/**
 * The logger outlives a log it cannot write: lines to a full disk neither throw nor grow
 * memory without bound, and once there is room again the kept lines are written.
 */
import { afterAll, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "./logger.ts";

const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const f of cleanups.reverse()) {
    try {
      f();
    } catch {}
  }
});

test("logging to a device that is always full (/dev/full) does not throw, however much is logged", () => {
  const log = createLogger({ level: "info", destination: "/dev/full" });
  const big = "x".repeat(10_000);
  expect(() => {
    for (let i = 0; i < 2000; i++) log.error({ i, big }, "the disk is full"); // 20 MB, past the 8 MiB cap
  }).not.toThrow();
});

test.skipIf(process.getuid?.() !== 0)("lines logged while the file system is full are written once there is room again", () => {
  const mnt = mkdtempSync(join(tmpdir(), "teeth-sf-log-"));
  cleanups.push(() => rmSync(mnt, { recursive: true, force: true }));
  const m = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=64k", "teeth-sf-log", mnt]);
  if (m.exitCode !== 0) throw new Error(m.stderr.toString());
  cleanups.push(() => void Bun.spawnSync(["umount", mnt]));
  const file = join(mnt, "conductor.log");
  writeFileSync(file, "");
  const filler = join(mnt, "filler");
  try {
    writeFileSync(filler, Buffer.alloc(64 * 1024));
  } catch {}
  const fd = openSync(file, "a");
  cleanups.push(() => closeSync(fd)); // before the unmount
  const log = createLogger({ level: "info", destination: fd });
  expect(() => log.error({ n: 1 }, "while full")).not.toThrow();
  unlinkSync(filler);
  log.error({ n: 2 }, "room again");
  const lines = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l).msg);
  expect(lines).toEqual(["while full", "room again"]);
});
