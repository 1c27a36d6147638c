/**
 * @module bench/lab-deploy/serial-window
 * What a lab server's time-stamped serial console (`server-N/serial.log`, each line prefixed
 * with its arrival time by `qemu-server.sh`) shows between two moments of a deploy: the
 * deployed OS's `TEETH-OS-BOOTED` marker and when it came, how many times the firmware
 * started (its banner: one per POST, also for a reboot the guest does itself, which the BMC
 * never sees), and the bytes the agent reported writing (its `image written` log line: the
 * image engine's own count of bytes sent to the disk, plus the config drive's).
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { OS_MARKER } from "../../test/lab/phase-times.ts";

export type Firmware = "bios" | "uefi";

/**
 * One line per POST. SeaBIOS prints its version banner first thing. OVMF prints no banner on
 * the serial console; its boot manager prints one `BdsDxe: starting Boot####` for the entry
 * it boots (PXE or disk; entries it fails to load print `failed to load` instead), as the lab's
 * kexec test counts it too (`test/lab/lab-kexec.test.ts`).
 */
export const FIRMWARE_BANNER: Readonly<Record<Firmware, RegExp>> = {
  bios: /SeaBIOS \(version/,
  uefi: /BdsDxe: starting Boot/,
};

export interface SerialLine {
  /** Host time the line arrived (seconds since the epoch). */
  at: number;
  text: string;
}

export interface DeployWindow {
  /** Host time of the marker line, null when it has not come (yet). */
  markerAt: number | null;
  marker: string | null;
  /** Firmware banners before the marker. */
  posts: number;
  /** Bytes the agent reported writing (image + config drive), null when it logged no write. */
  bytesWritten: number | null;
}

/** Current size of a log, the offset a window starts at. */
export function logOffset(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The complete lines of `path` from byte `offset` on (a line still being written is left out). */
export function readLinesFrom(path: string, offset: number): SerialLine[] {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return [];
  }
  try {
    const size = statSync(path).size;
    const buf = Buffer.alloc(Math.max(0, size - offset));
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, offset + got);
      if (n <= 0) break;
      got += n;
    }
    const text = buf.subarray(0, got).toString("utf8");
    const complete = text.slice(0, text.lastIndexOf("\n") + 1);
    return complete
      .split("\n")
      .filter(Boolean)
      .map((l) => {
        const sp = l.indexOf(" ");
        return { at: Number(l.slice(0, sp)), text: l.slice(sp + 1) };
      })
      .filter((l) => Number.isFinite(l.at));
  } finally {
    closeSync(fd);
  }
}

/** The JSON object a log line carries (console lines may have text before it), or null. */
function jsonOf(text: string): Record<string, any> | null {
  const i = text.indexOf("{");
  if (i < 0) return null;
  try {
    const v = JSON.parse(text.slice(i));
    return v && typeof v === "object" ? v : null;
  } catch {
    return null;
  }
}

/**
 * Bytes a write log line of the agent reports: `image written` carries the engine's result
 * (`bytes_written`: image bytes sent to the disk), `config drive written` the config drive's
 * `bytes` (also when only the config drive is written). Each write is counted once: the
 * image's result also names the config drive, which is counted from its own line.
 */
function bytesOf(text: string): number | null {
  if (!text.includes(" written")) return null;
  const j = jsonOf(text);
  if (j?.msg === "image written" && typeof j.result?.bytes_written === "number") return j.result.bytes_written;
  if (j?.msg === "config drive written" && typeof j.bytes === "number") return j.bytes;
  return null;
}

/**
 * Reads a deploy's window: everything from `lines` up to the first marker.
 * @example
 * const w = deployWindow(readLinesFrom(server.serialLog, offsetAtDeploy), "bios");
 * // { markerAt: 1764588000.5, posts: 2, bytesWritten: 134217728, ... }
 */
export function deployWindow(lines: readonly SerialLine[], firmware: Firmware): DeployWindow {
  const banner = FIRMWARE_BANNER[firmware];
  let posts = 0;
  let bytes: number | null = null;
  for (const l of lines) {
    if (OS_MARKER.test(l.text)) return { markerAt: l.at, marker: l.text.slice(l.text.indexOf("TEETH-OS-BOOTED")), posts, bytesWritten: bytes };
    if (banner.test(l.text)) posts++;
    const b = bytesOf(l.text);
    if (b !== null) bytes = (bytes ?? 0) + b;
  }
  return { markerAt: null, marker: null, posts, bytesWritten: bytes };
}
