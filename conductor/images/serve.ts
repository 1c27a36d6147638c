/**
 * @module conductor/images/serve
 * `GET|HEAD /images/{name}` from `<data-dir>/images`, with single-range support (agents
 * resume interrupted downloads with Range), and `/images/{name}.sha256` for `checksum` URLs.
 * Unauthenticated (agents fetch here): only regular files whose real path is inside the
 * image directory are served, and checksums come from the bounded cache.
 */
import { statSync } from "node:fs";
import { Hono } from "hono";
import { ironicErrorBody } from "../../protocol/ironic-api.ts";
import type { ImageService } from "./image-service.ts";

function parseRange(header: string, size: number): { start: number; end: number } | null | "invalid" {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return "invalid";
  let start: number;
  let end: number;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) return "invalid";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || end < start) return "invalid";
  return { start, end };
}

/**
 * A file as an HTTP answer: the whole of it, or the one byte range asked for (206, or 416
 * when the range does not fit). Shared by images and the RAM disk served to iPXE.
 * @example
 * return fileResponse("/var/lib/teeth/images/a.img", c.req.method, c.req.header("range"));
 */
export function fileResponse(path: string, method: string, range: string | undefined): Response {
  const size = statSync(path).size;
  const headers: Record<string, string> = {
    "Accept-Ranges": "bytes",
    "Content-Type": "application/octet-stream",
  };
  const head = method === "HEAD";
  if (range) {
    const r = parseRange(range, size);
    if (r === "invalid" || r === null) {
      const body = JSON.stringify(ironicErrorBody(`Range ${range.slice(0, 100)} is not satisfiable for ${size} bytes.`, 416));
      return new Response(body, { status: 416, headers: { "Accept-Ranges": "bytes", "Content-Type": "application/json", "Content-Range": `bytes */${size}` } });
    }
    headers["Content-Range"] = `bytes ${r.start}-${r.end}/${size}`;
    headers["Content-Length"] = String(r.end - r.start + 1);
    return new Response(head ? null : Bun.file(path).slice(r.start, r.end + 1), { status: 206, headers });
  }
  headers["Content-Length"] = String(size);
  return new Response(head ? null : Bun.file(path), { status: 200, headers });
}

/**
 * Routes serving images; mount at the app root.
 * @example
 * app.route("/", createImageRoutes(images));
 */
export function createImageRoutes(images: ImageService): Hono {
  const app = new Hono();
  const handler = async (c: import("hono").Context) => {
    const raw = c.req.param("name") ?? "";
    const isSum = raw.endsWith(".sha256") && images.localPath(raw) === null;
    const name = isSum ? raw.slice(0, -".sha256".length) : raw;
    const path = images.localPath(name);
    const notFound = () => c.json(ironicErrorBody(`Image ${raw.slice(0, 255)} could not be found.`, 404), 404);
    if (!path) return notFound();
    try {
      if (isSum) return c.text(`${await images.sha256(path)}  ${name}\n`);
      return fileResponse(path, c.req.method, c.req.header("range"));
    } catch {
      return notFound(); // removed between the check and the read
    }
  };
  app.get("/images/:name", handler);
  app.on("HEAD", "/images/:name", handler);
  return app;
}
