/**
 * @module conductor/images/checksum
 * SHA-256 of served images, computed once per file version: cached in memory and beside the
 * image (`.checksums/`, by size and mtime), one computation per file at a time (concurrent
 * askers share it) and a cap on computations running at once, because `/images/x.sha256` is
 * unauthenticated and a large image takes minutes to hash.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

async function streamSha256(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const chunk of Bun.file(path).stream()) hasher.update(chunk);
  return hasher.digest("hex");
}

export interface ChecksumCache {
  /** The hex SHA-256 of `path` (a real path inside the image directory). */
  sha256(path: string): Promise<string>;
}

interface Version {
  size: number;
  mtimeMs: number;
}

/**
 * `digest` replaces the streaming hash (tests count calls through it).
 * @example
 * const sums = createChecksumCache({ maxConcurrent: 2 });
 * const sha = await sums.sha256("/var/lib/teeth/images/debian.raw");
 */
export function createChecksumCache(options: { maxConcurrent?: number; digest?: (path: string) => Promise<string> } = {}): ChecksumCache {
  const maxConcurrent = Math.max(1, options.maxConcurrent ?? 2);
  const digest = options.digest ?? streamSha256;
  const known = new Map<string, Version & { sha256: string }>();
  const inflight = new Map<string, Version & { promise: Promise<string> }>();
  let running = 0;
  const queue: (() => void)[] = [];

  async function slot<T>(fn: () => Promise<T>): Promise<T> {
    if (running >= maxConcurrent) await new Promise<void>((r) => queue.push(r));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      queue.shift()?.();
    }
  }

  async function compute(path: string, v: Version): Promise<string> {
    const cachePath = join(dirname(path), ".checksums", `${basename(path)}.json`);
    try {
      const c = JSON.parse(readFileSync(cachePath, "utf8")) as Version & { sha256: string };
      if (c.size === v.size && c.mtimeMs === v.mtimeMs && /^[0-9a-f]{64}$/.test(c.sha256)) return c.sha256;
    } catch {
      // no cache yet
    }
    const sha256 = await slot(() => digest(path));
    try {
      mkdirSync(dirname(cachePath), { recursive: true });
      writeFileSync(cachePath, JSON.stringify({ size: v.size, mtimeMs: v.mtimeMs, sha256 }));
    } catch {
      // a read-only image dir only costs a re-hash after a restart
    }
    return sha256;
  }

  return {
    async sha256(path) {
      const st = statSync(path);
      const v = { size: st.size, mtimeMs: st.mtimeMs };
      const same = (x: Version | undefined) => x !== undefined && x.size === v.size && x.mtimeMs === v.mtimeMs;
      const hit = known.get(path);
      if (same(hit)) return hit!.sha256;
      const pending = inflight.get(path);
      if (same(pending)) return pending!.promise;
      const promise = compute(path, v)
        .then((sha256) => {
          known.set(path, { ...v, sha256 });
          return sha256;
        })
        .finally(() => {
          if (inflight.get(path)?.promise === promise) inflight.delete(path);
        });
      inflight.set(path, { ...v, promise });
      return promise;
    },
  };
}
