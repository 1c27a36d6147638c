/**
 * @module machine/testing/memory-host-fs
 * A {@link HostFs} over an in-memory table of files, for tests that need a few sysfs
 * attributes (`/sys/class/nvme/nvme0/serial`) or a small "device" to read and write, without
 * building a fixture tree on disk.
 */
import type { HostFs } from "../host-fs.ts";

/**
 * Directories are implied by the files' paths; a path ending in `/` declares an empty one.
 * @example
 * const fs = createMemoryHostFs({ "/sys/class/nvme/nvme0/serial": "S4EV\n", "/sys/firmware/efi/": "" });
 * await fs.list("/sys/class/nvme");        // ["nvme0"]
 * await fs.exists("/sys/firmware/efi");    // true
 */
export function createMemoryHostFs(files: Record<string, string | Uint8Array> = {}): HostFs & { files: Map<string, Uint8Array> } {
  const norm = (p: string) => (p.length > 1 ? p.replace(/\/+$/, "") : p);
  const data = new Map<string, Uint8Array>();
  const dirs = new Set<string>(["/"]);
  const addDirs = (p: string) => {
    for (let d = p.slice(0, p.lastIndexOf("/")) || "/"; ; d = d.slice(0, d.lastIndexOf("/")) || "/") {
      dirs.add(d);
      if (d === "/") break;
    }
  };
  for (const [path, content] of Object.entries(files)) {
    if (path.endsWith("/")) {
      dirs.add(norm(path));
      addDirs(norm(path));
      continue;
    }
    data.set(path, typeof content === "string" ? new TextEncoder().encode(content) : content);
    addDirs(path);
  }
  const has = (p: string) => data.has(norm(p)) || dirs.has(norm(p));
  return {
    root: "/",
    files: data,
    text: async (p) => {
      const b = data.get(norm(p));
      return b ? new TextDecoder().decode(b).trim() : null;
    },
    bytes: async (p) => data.get(norm(p)) ?? null,
    list: async (p) => {
      const prefix = norm(p) === "/" ? "/" : `${norm(p)}/`;
      const names = new Set<string>();
      for (const path of [...data.keys(), ...dirs]) {
        if (path.startsWith(prefix) && path !== prefix) names.add(path.slice(prefix.length).split("/")[0]!);
      }
      return [...names].filter(Boolean).sort();
    },
    link: async () => null,
    resolve: async (p) => (has(p) ? norm(p) : null),
    exists: async (p) => has(p),
    isDir: async (p) => dirs.has(norm(p)),
    readAt: async (p, offset, length) => data.get(norm(p))?.slice(offset, offset + length) ?? null,
    async writeAt(p, offset, bytes) {
      const old = data.get(norm(p));
      if (!old) throw Object.assign(new Error(`ENOENT: ${p}`), { code: "ENOENT" });
      const next = old.length >= offset + bytes.length ? old : new Uint8Array(offset + bytes.length);
      if (next !== old) next.set(old);
      next.set(bytes, offset);
      data.set(norm(p), next);
    },
  };
}
