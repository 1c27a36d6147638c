/**
 * Image serving is unauthenticated: nothing outside the image directory is reachable through
 * it, and checksums are computed once per file version with bounded concurrency.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createChecksumCache } from "./checksum.ts";
import { createImageService } from "./image-service.ts";
import { createImageRoutes } from "./serve.ts";

const root = mkdtempSync(join(tmpdir(), "teeth-serve-"));
const dir = join(root, "images");
mkdirSync(dir);
writeFileSync(join(dir, "disk.raw"), Buffer.alloc(1000, 1));
writeFileSync(join(root, "outside.txt"), "OUTSIDE-SECRET-1d9");
symlinkSync(join(root, "outside.txt"), join(dir, "escape.raw"));
symlinkSync("/etc/hostname", join(dir, "hostname.raw"));
symlinkSync("../outside.txt", join(dir, "relative.raw"));
symlinkSync("disk.raw", join(dir, "latest.raw"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const app = createImageRoutes(createImageService({ dataDir: root, publicUrl: "http://127.0.0.1:1" }));
const get = (path: string, method = "GET") => app.request(path, { method });

test("a symlink whose real path is outside the image directory is not served, nor hashed", async () => {
  for (const name of ["escape.raw", "hostname.raw", "relative.raw"]) {
    for (const method of ["GET", "HEAD"]) expect((await get(`/images/${name}`, method)).status, `${method} ${name}`).toBe(404);
    const sum = await get(`/images/${name}.sha256`);
    expect(sum.status, name).toBe(404);
    expect(await sum.text()).not.toContain("OUTSIDE");
  }
});

test("a symlink to another image inside the directory is served", async () => {
  const r = await get("/images/latest.raw");
  expect(r.status).toBe(200);
  expect((await r.arrayBuffer()).byteLength).toBe(1000);
  expect(await (await get("/images/latest.raw.sha256")).text()).toStartWith(new Bun.CryptoHasher("sha256").update(Buffer.alloc(1000, 1)).digest("hex"));
});

test("concurrent checksum requests share one computation per file; at most maxConcurrent run at once; a new mtime recomputes", async () => {
  const sumsDir = join(root, "sums");
  mkdirSync(sumsDir);
  const files = ["a", "b", "c", "d", "e"].map((n) => {
    const p = join(sumsDir, n);
    writeFileSync(p, n);
    return p;
  });
  const calls: string[] = [];
  let now = 0;
  let peak = 0;
  const cache = createChecksumCache({
    maxConcurrent: 2,
    digest: async (p) => {
      calls.push(p);
      peak = Math.max(peak, ++now);
      await Bun.sleep(20);
      now--;
      return "0".repeat(63) + String(calls.length % 10);
    },
  });
  const asks = files.flatMap((f) => Array.from({ length: 20 }, () => cache.sha256(f)));
  await Promise.all(asks);
  expect(calls.sort()).toEqual([...files].sort());
  expect(peak).toBeLessThanOrEqual(2);
  await Promise.all(files.map((f) => cache.sha256(f)));
  expect(calls).toHaveLength(5); // cached in memory (and on disk)
  utimesSync(files[0]!, new Date(), new Date(Date.now() + 5000));
  await cache.sha256(files[0]!);
  expect(calls).toHaveLength(6);
});
