/**
 * @module test/lab/phase-times
 * How long each phase of a server's life took in the lab, read from the logs afterwards:
 * the conductor's state transitions (inspection, cleaning, deploy), its request log (the
 * agent's first heartbeat), the BMC hook's power log (QEMU started) and the time-stamped
 * serial console (the deployed OS's `TEETH-OS-BOOTED` marker). Reported by the demo and the
 * end-to-end test, never asserted on (the machine is shared). Run as a script it prints the
 * table of a lab: `bun test/lab/phase-times.ts build/lab/lab-rack uuid=server-1 ...`.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface ServerLogs {
  name: string;
  uuid: string;
  powerLog: string;
  serialLog: string;
}

export interface Phases {
  name: string;
  /** QEMU started (first power-on) to the agent's first heartbeat. */
  powerOnToHeartbeat: number | null;
  inspection: number | null;
  cleaning: number | null;
  deploy: number | null;
  /** `active` to the marker on the serial console. */
  bootFromDisk: number | null;
  /** `deploying` to the marker. */
  deployToMarker: number | null;
}

export const OS_MARKER = /TEETH-OS-BOOTED image=\S+.* boot=(uefi|bios)/;

interface Transition {
  at: number;
  node: string;
  from: string;
  to: string;
}

function conductorEvents(log: string): { transitions: Transition[]; heartbeats: Map<string, number> } {
  const transitions: Transition[] = [];
  const heartbeats = new Map<string, number>();
  if (!existsSync(log)) return { transitions, heartbeats };
  for (const line of readFileSync(log, "utf8").split("\n")) {
    if (!line.startsWith("{")) continue;
    let j: any;
    try {
      j = JSON.parse(line);
    } catch {
      continue;
    }
    const at = Date.parse(j.time) / 1000;
    if (j.msg === "state transition") transitions.push({ at, node: j.node, from: j.from, to: j.to });
    const hb = typeof j.path === "string" ? /^\/v1\/heartbeat\/([\w-]+)$/.exec(j.path) : null;
    if (hb && j.status === 202 && !heartbeats.has(hb[1]!)) heartbeats.set(hb[1]!, at);
  }
  return { transitions, heartbeats };
}

/** Seconds from the first transition into `start` to the next one into `end` after it. */
function span(ts: Transition[], start: string, end: string): { from: number; to: number } | null {
  const i = ts.findIndex((t) => t.to === start);
  if (i < 0) return null;
  const j = ts.findIndex((t, k) => k > i && t.to === end);
  return j < 0 ? null : { from: ts[i]!.at, to: ts[j]!.at };
}

function firstLine(path: string, re: RegExp, after: number): number | null {
  if (!existsSync(path)) return null;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const t = Number(line.slice(0, line.indexOf(" ")));
    if (t >= after && re.test(line)) return t;
  }
  return null;
}

/**
 * @example
 * const rows = phaseTimes(join(lab.dir, "conductor.log"), [{ name: "server-1", uuid, powerLog, serialLog }]);
 * console.log(formatPhases(rows));
 */
export function phaseTimes(conductorLog: string, servers: ServerLogs[]): Phases[] {
  const { transitions, heartbeats } = conductorEvents(conductorLog);
  return servers.map((s) => {
    const ts = transitions.filter((t) => t.node === s.uuid);
    const inspection = span(ts, "inspecting", "manageable");
    const cleaning = span(ts, "cleaning", "available");
    const deploy = span(ts, "deploying", "active");
    const started = firstLine(s.powerLog, / start/, 0);
    const heartbeat = heartbeats.get(s.uuid) ?? null;
    const marker = deploy ? firstLine(s.serialLog, OS_MARKER, deploy.to) : null;
    const d = (x: { from: number; to: number } | null) => (x ? x.to - x.from : null);
    return {
      name: s.name,
      powerOnToHeartbeat: started !== null && heartbeat !== null ? heartbeat - started : null,
      inspection: d(inspection),
      cleaning: d(cleaning),
      deploy: d(deploy),
      bootFromDisk: deploy && marker !== null ? marker - deploy.to : null,
      deployToMarker: deploy && marker !== null ? marker - deploy.from : null,
    };
  });
}

export function formatPhases(rows: Phases[]): string {
  const cols: Array<[string, keyof Phases]> = [
    ["power-on to 1st heartbeat", "powerOnToHeartbeat"],
    ["inspection", "inspection"],
    ["cleaning", "cleaning"],
    ["deploy", "deploy"],
    ["boot from disk", "bootFromDisk"],
    ["deploy to OS marker", "deployToMarker"],
  ];
  const fmt = (v: unknown) => (typeof v === "number" ? `${v.toFixed(1)} s` : "-");
  const header = ["phase", ...rows.map((r) => r.name)];
  const body = cols.map(([label, key]) => [label, ...rows.map((r) => fmt(r[key]))]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

if (import.meta.main) {
  const [dir, ...pairs] = process.argv.slice(2);
  if (!dir) {
    console.error("usage: bun test/lab/phase-times.ts LAB_DIR UUID=SERVER_NAME...");
    process.exit(2);
  }
  const servers = pairs.map((p) => {
    const [uuid, name] = p.split("=") as [string, string];
    return { name, uuid, powerLog: join(dir, name, "power.log"), serialLog: join(dir, name, "serial.log") };
  });
  console.log(formatPhases(phaseTimes(join(dir, "conductor.log"), servers)));
}
