/**
 * @module cli/format
 * Human output: aligned tables, key/value listings, byte and duration formatting.
 */

/** Renders rows as an aligned table with a header. */
export function table(headers: string[], rows: unknown[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? "" : typeof c === "object" ? JSON.stringify(c) : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n") + "\n";
}

/** Renders an object as `key: value` lines, sorted by key. */
export function fields(obj: Record<string, unknown>, skip: string[] = ["links", "ports", "states"]): string {
  const keys = Object.keys(obj).filter((k) => !skip.includes(k)).sort();
  const w = Math.max(...keys.map((k) => k.length));
  return keys.map((k) => `${k.padEnd(w)}  ${typeof obj[k] === "object" && obj[k] !== null ? JSON.stringify(obj[k]) : String(obj[k] ?? "")}`).join("\n") + "\n";
}

export function bytes(n: number | undefined | null): string {
  if (typeof n !== "number" || !Number.isFinite(n)) return "?";
  const u = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) (n /= 1024), i++;
  return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
}

export function duration(s: number | undefined | null): string {
  if (typeof s !== "number" || !Number.isFinite(s) || s < 0) return "--:--";
  const m = Math.floor(s / 60);
  return `${String(m).padStart(2, "0")}:${String(Math.round(s % 60)).padStart(2, "0")}`;
}

/**
 * One progress line: bar, bytes / total, rate, ETA, current step. The bar, the total, the rate
 * and the ETA count downloaded bytes (the agent's `total_bytes` is the image file's size);
 * what was written to the disk is shown beside them when it differs (a compressed or qcow2
 * image writes more than it downloads, a sparse one less).
 * @example
 * progressLine({ step: "write_image", stage: "download", bytes_downloaded: 5e8, bytes_written: 2e9, total_bytes: 1e9, rate_bytes_per_s: 2e8, eta_s: 2.5 }, 30)
 * // "[###############---------------]  50% 476.8 MiB/953.7 MiB 190.7 MiB/s ETA 00:03 write_image (download), 1.9 GiB written"
 */
export function progressLine(p: Record<string, unknown>, width = 30): string {
  const written = typeof p.bytes_written === "number" ? p.bytes_written : null;
  const done = Number(p.bytes_downloaded ?? written ?? 0);
  const total = Number(p.total_bytes ?? 0);
  const frac = total > 0 ? Math.max(0, Math.min(1, done / total)) : 0;
  const fill = Math.round(frac * width);
  const bar = total > 0 ? `[${"#".repeat(fill)}${"-".repeat(width - fill)}] ${(frac * 100).toFixed(0).padStart(3)}%` : "[working]";
  const extra = written !== null && written !== done ? `, ${bytes(written)} written` : "";
  return `${bar} ${bytes(done)}/${total > 0 ? bytes(total) : "?"} ${bytes(Number(p.rate_bytes_per_s ?? NaN))}/s ETA ${duration(Number(p.eta_s ?? NaN))} ${p.step ?? ""}${p.stage ? ` (${p.stage})` : ""}${extra}`;
}
