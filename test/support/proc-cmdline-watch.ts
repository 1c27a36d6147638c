/**
 * @module test/support/proc-cmdline-watch
 * Watches every process's command line (/proc/PID/cmdline) in a tight loop, in a separate
 * process, for a secret: proof that a secret never reaches argv while commands run. The
 * secret reaches the watcher through its environment, so its own command line stays clean.
 * It also counts the processes it saw whose command line names `tool` (proof it looked while
 * they ran).
 * @example
 * const watch = startCmdlineWatch("s3cret", "ipmitool");
 * await driver.power.getPowerState(node);
 * const { hits, seen } = await watch.stop(); // hits: [], seen: 1+
 */
import { spawn } from "bun";

export interface CmdlineWatch {
  /** Stops watching and reports; safe to call more than once (later calls return the same report). */
  stop(): Promise<{ hits: string[]; seen: number; scans: number }>;
}

const WATCHER = `
const secret = process.env.WATCH_SECRET, tool = process.env.WATCH_TOOL;
const fs = require("node:fs");
const hits = new Set(), seen = new Set();
let scans = 0, running = true;
const parent = process.ppid;
process.on("SIGTERM", () => { running = false; });
const loop = () => {
  for (let i = 0; i < 200 && running; i++) {
    scans++;
    for (const pid of fs.readdirSync("/proc")) {
      if (pid < "0" || pid > "9") continue;
      let cmd;
      try { cmd = fs.readFileSync("/proc/" + pid + "/cmdline", "latin1"); } catch { continue; }
      if (cmd.includes(secret)) hits.add(pid + ": " + cmd.split("\\0").join(" ").replaceAll(secret, "<SECRET>"));
      if (cmd.includes(tool)) seen.add(pid);
    }
  }
  // Orphaned (the test process died without stopping us): stop looking.
  if (process.ppid !== parent) process.exit(0);
  if (running) setImmediate(loop);
  else { process.stdout.write(JSON.stringify({ hits: [...hits], seen: seen.size, scans })); process.exit(0); }
};
loop();
`;

export function startCmdlineWatch(secret: string, tool: string): CmdlineWatch {
  const proc = spawn([process.execPath, "-e", WATCHER], { env: { ...process.env, WATCH_SECRET: secret, WATCH_TOOL: tool }, stdout: "pipe", stderr: "ignore", stdin: "ignore" });
  let report: Promise<{ hits: string[]; seen: number; scans: number }> | null = null;
  return {
    stop() {
      report ??= (async () => {
        proc.kill("SIGTERM");
        const out = await new Response(proc.stdout).text();
        await proc.exited;
        return JSON.parse(out);
      })();
      return report;
    },
  };
}
