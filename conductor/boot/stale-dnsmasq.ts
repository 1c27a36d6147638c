/**
 * @module conductor/boot/stale-dnsmasq
 * A conductor that was killed (SIGKILL, a crash) leaves its dnsmasq running: it would keep
 * the TFTP port and answer with the old config. The supervisor records its child's pid in a
 * file; the next conductor stops that process, but only if its command line is our dnsmasq
 * with our config file (a reused pid is left alone).
 */
import { existsSync, readFileSync, rmSync } from "node:fs";

/** Running, i.e. present and not a zombie waiting for its parent. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/**
 * Stops the dnsmasq recorded in `pidFile` if it still runs with `--conf-file=<confPath>`.
 * Returns its pid when one was stopped. Never throws; blocks up to 5 s (conductor start only).
 * @example
* stopStaleDnsmasq("/var/lib/teeth/boot/dnsmasq.pid", "/var/lib/teeth/boot/dnsmasq.conf");
 */
export function stopStaleDnsmasq(pidFile: string, confPath: string): number | null {
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  rmSync(pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 1) return null;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return null; // gone already
  }
  if (!cmdline.includes(`--conf-file=${confPath}`)) return null;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return null;
  }
  for (let i = 0; i < 50; i++) {
    if (!alive(pid)) return pid;
    Bun.sleepSync(100);
  }
  try {
    process.kill(pid, "SIGKILL");
  } catch {}
  return pid;
}
