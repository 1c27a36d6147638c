/**
 * @module conductor/images/checksum
 * SHA-256 of a served image, cached beside it by size and mtime so a large image is hashed once.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, basename } from "node:path";

/**
 * Hashes `path` (streaming) or returns the cached value.
 * @example
 * const sha = await imageSha256("/var/lib/teeth/images/debian.raw");
 */
export async function imageSha256(path: string): Promise<string> {
  const st = statSync(path);
  const cachePath = join(dirname(path), ".checksums", `${basename(path)}.json`);
  try {
    const c = JSON.parse(readFileSync(cachePath, "utf8")) as { size: number; mtimeMs: number; sha256: string };
    if (c.size === st.size && c.mtimeMs === st.mtimeMs) return c.sha256;
  } catch {
    // no cache yet
  }
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const chunk of Bun.file(path).stream()) hasher.update(chunk);
  const sha256 = hasher.digest("hex");
  try {
    mkdirSync(dirname(cachePath), { recursive: true });
    writeFileSync(cachePath, JSON.stringify({ size: st.size, mtimeMs: st.mtimeMs, sha256 }));
  } catch {
    // a read-only image dir only costs a re-hash next time
  }
  return sha256;
}
