/**
 * @module bench/lab-deploy/summary
 * The deploy benchmark's table: per case the median time from the `deploy` call to the OS
 * marker (min and max beside it), firmware POSTs and bytes written per deploy, the ratio to
 * case 1 (the classic flow, measured in the same run), the issue's two goals, and what the
 * POSTs would cost on real servers, whose POST takes minutes where the lab's takes seconds.
 */

export interface RunResult {
  /** `deploy` call to the `TEETH-OS-BOOTED` marker on the serial console (s). */
  seconds: number;
  /** `deploy` call to provision state `active` (s). */
  toActive: number | null;
  posts: number;
  bytesWritten: number | null;
  /** BMC chassis actions (power on/off/reset) during the deploy. */
  powerActions: number;
  /** What the node's history says of the deploy (kexec used or not, fast track). */
  events: string[];
}

export interface CaseResult {
  id: number;
  title: string;
  runs: RunResult[];
  /** Why the case did not run (a feature missing), or why its runs stopped. */
  unavailable?: string;
}

/** A typical server's POST (power-on self test), per power cycle. */
export const REAL_POST_S = 120;

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

const num = (xs: Array<number | null>): number[] => xs.filter((x): x is number => typeof x === "number");

function bytes(n: number | null): string {
  if (n === null) return "-";
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${n} B`;
}

/** `2` when every run agrees, else `1-2` (min-max). */
function spread(xs: number[]): string {
  if (!xs.length) return "-";
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return lo === hi ? String(lo) : `${lo}-${hi}`;
}

/** A row shorter than the header (a case that did not run: its name and why) sets no column width but the first. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((_, i) => Math.max(...[header, ...rows].filter((r) => i === 0 || r.length === header.length).map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => (i <= 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** A history event without its detail (times, paths, reasons), so runs can be counted together. */
function gist(event: string): string {
  let e = event.replace(/ \(.*$|;.*$/, "");
  const colon = e.indexOf(": ", 20);
  if (colon > 0) e = e.slice(0, colon);
  return e.replace(/\.$/, "");
}

const medianOf = (c: CaseResult | undefined): number | null => (c && c.runs.length ? median(c.runs.map((r) => r.seconds)) : null);
const postsOf = (c: CaseResult | undefined): number | null => (c && c.runs.length ? median(c.runs.map((r) => r.posts)) : null);

/**
 * @example
 * console.log(formatSummary([{ id: 1, title: "classic", runs: [{ seconds: 200, toActive: 150, posts: 2, bytesWritten: 134217728, powerActions: 3 }] }]));
 */
export function formatSummary(cases: readonly CaseResult[]): string {
  const base = cases.find((c) => c.id === 1);
  const baseS = medianOf(base);
  const basePosts = postsOf(base);
  const rows = cases.map((c) => {
    const name = `${c.id}. ${c.title}`;
    if (!c.runs.length) return [name, `not available: ${c.unavailable ?? "no run finished"}`];
    const s = c.runs.map((r) => r.seconds);
    const m = median(s);
    const active = num(c.runs.map((r) => r.toActive));
    const written = num(c.runs.map((r) => r.bytesWritten));
    return [
      name,
      String(c.runs.length),
      `${m.toFixed(1)} s`,
      `${Math.min(...s).toFixed(1)}-${Math.max(...s).toFixed(1)} s`,
      active.length ? `${median(active).toFixed(1)} s` : "-",
      spread(c.runs.map((r) => r.posts)),
      spread(c.runs.map((r) => r.powerActions)),
      bytes(written.length ? median(written) : null),
      baseS ? `${(m / baseS).toFixed(2)}x` : "-",
    ];
  });
  const out = [
    table(["case", "runs", "median", "min-max", "to active", "POSTs", "BMC power", "written", "vs 1"], rows),
    "",
    "median: deploy call -> TEETH-OS-BOOTED on the serial console; to active: deploy call -> provision state active;",
    "POSTs: firmware banners on the console in that window; BMC power: chassis power on/off/reset actions in it;",
    "written: bytes the agent reported writing during the deploy (image + config drive).",
  ];
  const notes = cases.filter((c) => c.runs.length && c.unavailable).map((c) => `case ${c.id}: ${c.unavailable}`);
  // The node's history, per case: e.g. that every run really booted with kexec.
  for (const c of cases) {
    const counts = new Map<string, number>();
    for (const r of c.runs) for (const e of new Set(r.events.map(gist))) counts.set(e, (counts.get(e) ?? 0) + 1);
    for (const [e, n] of counts) notes.push(`case ${c.id}: ${n}/${c.runs.length} runs: ${e}`);
  }
  if (notes.length) out.push("", ...notes);

  // What the POSTs mean on real servers.
  out.push("", `on real servers (a POST of ~${REAL_POST_S / 60} minutes per power cycle):`);
  const real = cases
    .filter((c) => c.runs.length)
    .map((c) => {
      const p = postsOf(c)!;
      const saved = basePosts !== null ? (basePosts - p) * REAL_POST_S : null;
      return [`${c.id}. ${c.title}`, String(p), `${((p * REAL_POST_S) / 60).toFixed(0)} min`, saved !== null ? `${(saved / 60).toFixed(0)} min` : "-", `${((medianOf(c)! + p * REAL_POST_S) / 60).toFixed(1)} min`];
    });
  out.push(table(["case", "POSTs", "firmware time", "saved vs 1", "lab time + POSTs"], real));

  // The issue's goals.
  const four = cases.find((c) => c.id === 4);
  const fourS = medianOf(four);
  out.push("", "goals (issue 14):");
  out.push(
    fourS !== null && baseS
      ? `  case 4 <= 0.2 x case 1 in time: ${(fourS / baseS).toFixed(2)} x -> ${fourS / baseS <= 0.2 ? "met" : "NOT met"}`
      : `  case 4 <= 0.2 x case 1 in time: not measured (${fourS === null ? `case 4: ${four?.unavailable ?? "not run"}` : "case 1 not run"})`,
  );
  for (const id of [3, 4]) {
    const c = cases.find((x) => x.id === id);
    const p = c?.runs.length ? Math.max(...c.runs.map((r) => r.posts)) : null;
    out.push(p === null ? `  zero POSTs in case ${id}: not measured (${c?.unavailable ?? "not run"})` : `  zero POSTs in case ${id}: ${p === 0 ? "met" : `NOT met (up to ${p} per deploy)`}`);
  }
  return out.join("\n");
}
