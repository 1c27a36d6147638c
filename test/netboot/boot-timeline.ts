/**
 * @module test/netboot/boot-timeline
 * Where a network boot's time goes, from the lab's logs: the power script's log (power-on
 * request), the guest's time-stamped serial console (firmware PXE, iPXE DHCP, HTTP downloads,
 * kernel, /init, agent start), the conductor's request log (lookup, first heartbeat) and
 * dnsmasq's log (DHCP and TFTP, second resolution). Reported, never asserted on.
 */
import { existsSync, readFileSync } from "node:fs";

/** Serial-console marks, in boot order; the first line matching each counts. */
const SERIAL_MARKS: Array<[string, RegExp]> = [
  ["firmware PXE start", /Start PXE over IPv4/],
  ["firmware PXE: iPXE fetched over TFTP", /NBP file downloaded successfully/],
  ["iPXE DHCP done", /Configuring \(net\d .*ok/],
  ["boot script fetched", /\/boot\/boot\.ipxe\.\.\. ok/],
  // iPXE draws its progress with backspaces on the same line; the line ends at "ok".
  ["kernel downloaded", /\/boot\/ramdisk\/vmlinuz\.\.\..* ok/],
  ["initramfs downloaded", /\/boot\/ramdisk\/initramfs\.img\.\.\..* ok/],
  ["kernel started", /Linux version/],
  ["/init started", /teeth-ramdisk \[[^\]]*\]: init started/],
  ["RAM disk network up", /teeth-ramdisk \[[^\]]*\]: network:/],
  ["agent started", /teeth-ramdisk \[[^\]]*\]: starting teeth agent/],
];

export interface Mark {
  what: string;
  /** Seconds since the power-on request. */
  at: number;
}

function serialMarks(serialLog: string, t0: number): Mark[] {
  const lines = existsSync(serialLog) ? readFileSync(serialLog, "utf8").split("\n") : [];
  const out: Mark[] = [];
  for (const [what, re] of SERIAL_MARKS) {
    const line = lines.find((l) => re.test(l));
    if (line) out.push({ what, at: Number(line.slice(0, line.indexOf(" "))) - t0 });
  }
  return out;
}

function conductorMarks(conductorLog: string, uuid: string, t0: number): Mark[] {
  const out: Mark[] = [];
  if (!existsSync(conductorLog)) return out;
  let lookup: number | null = null;
  let heartbeat: number | null = null;
  for (const l of readFileSync(conductorLog, "utf8").split("\n")) {
    if (!l.startsWith("{")) continue;
    let j: any;
    try {
      j = JSON.parse(l);
    } catch {
      continue;
    }
    const at = (typeof j.time === "string" ? Date.parse(j.time) : j.time) / 1000;
    if (at < t0) continue;
    if (lookup === null && j.path === "/v1/lookup" && j.status === 200) lookup = at;
    if (heartbeat === null && j.path === `/v1/heartbeat/${uuid}` && j.status === 202) heartbeat = at;
  }
  if (lookup !== null) out.push({ what: "agent looked up", at: lookup - t0 });
  if (heartbeat !== null) out.push({ what: "first heartbeat", at: heartbeat - t0 });
  return out;
}

/** dnsmasq's lines about one MAC or its TFTP transfers, as "+S.s text" (its clock has whole seconds). */
export function dnsmasqLines(dnsmasqLog: string, mac: string, t0: number): string[] {
  if (!existsSync(dnsmasqLog)) return [];
  const year = new Date().getFullYear();
  return readFileSync(dnsmasqLog, "utf8")
    .split("\n")
    .filter((l) => (l.includes(mac) && /DHCP(ACK|OFFER)|PXE\(|proxy|ignored/.test(l)) || /dnsmasq-tftp.*sent/.test(l))
    .map((l) => {
      const t = Date.parse(`${l.slice(0, 15)} ${year}`) / 1000;
      return `+${(t - t0).toFixed(0).padStart(4)} s  ${l.slice(16).replace(/^dnsmasq-(dhcp|tftp)\[\d+\]: (\d+ )?/, "$1: ")}`;
    })
    .filter((l, i, all) => all.indexOf(l) === i);
}

/** The power-on request time (epoch seconds) from the power script's log. */
export function powerOnTime(powerLog: string): number | null {
  if (!existsSync(powerLog)) return null;
  const line = readFileSync(powerLog, "utf8").split("\n").find((l) => / power on/.test(l));
  return line ? Number(line.split(" ")[0]) : null;
}

/**
 * @example
 * console.log(formatTimeline("BIOS, full DHCP", bootTimeline({ ... })));
 */
export function bootTimeline(o: { serialLog: string; powerLog: string; conductorLog: string; uuid: string }): Mark[] {
  const t0 = powerOnTime(o.powerLog);
  if (t0 === null) return [];
  return [...serialMarks(o.serialLog, t0), ...conductorMarks(o.conductorLog, o.uuid, t0)].sort((a, b) => a.at - b.at);
}

export function formatTimeline(title: string, marks: Mark[], extra: string[] = []): string {
  let prev = 0;
  const rows = marks.map((m) => {
    const row = `  ${m.at.toFixed(1).padStart(6)} s  (+${(m.at - prev).toFixed(1).padStart(5)} s)  ${m.what}`;
    prev = m.at;
    return row;
  });
  return [`[netboot] ${title}: from the power-on request`, ...rows, ...(extra.length ? ["  dnsmasq:", ...extra.map((l) => `    ${l}`)] : [])].join("\n");
}
