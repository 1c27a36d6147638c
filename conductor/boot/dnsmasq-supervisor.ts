/**
 * @module conductor/boot/dnsmasq-supervisor
 * Runs dnsmasq in the foreground as the conductor's child: restarts it when it dies (with
 * exponential backoff, one log line each time), reloads it with SIGHUP, stops it on shutdown.
 *
 * Contract:
 * - `start()` returns at once; a dnsmasq that cannot start (bad config, address in use) is
 *   logged with its stderr and retried with backoff, never thrown: the API keeps serving.
 * - `reload()` is a no-op while dnsmasq is not running (the next start reads everything).
 * - `stop()` resolves once the process is gone (SIGTERM, SIGKILL after `killAfterMs`);
 *   after it, nothing restarts.
 */
import { rmSync, writeFileSync } from "node:fs";
import type { Subprocess } from "bun";
import type { Logger } from "../../common/logger.ts";

export interface SupervisorOptions {
  /** The program and its arguments (`/usr/sbin/dnsmasq --keep-in-foreground --conf-file=...`). */
  command: readonly string[];
  logger: Logger;
  /** First restart delay; doubles up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A run at least this long resets the backoff. */
  stableAfterMs?: number;
  killAfterMs?: number;
  /** Where the running child's pid is kept, so a conductor killed outright can be cleaned up after (stale-dnsmasq.ts). */
  pidFile?: string;
}

export interface DnsmasqSupervisor {
  start(): void;
  /** SIGHUP: dnsmasq re-reads its hosts directory (removed hosts are only dropped then). */
  reload(): void;
  stop(): Promise<void>;
  /** The running process id, or null. */
  readonly pid: number | null;
  /** How many times dnsmasq was started (1 after a clean start). */
  readonly starts: number;
}

/**
 * @example
 * const sup = createDnsmasqSupervisor({ command: ["/usr/sbin/dnsmasq", "--keep-in-foreground", `--conf-file=${conf}`], logger });
 * sup.start();
 * await sup.stop();
 */
export function createDnsmasqSupervisor(o: SupervisorOptions): DnsmasqSupervisor {
  const initial = o.initialBackoffMs ?? 1000;
  const max = o.maxBackoffMs ?? 60_000;
  const stableAfter = o.stableAfterMs ?? 30_000;
  const killAfter = o.killAfterMs ?? 5000;
  const log = o.logger;
  let proc: Subprocess | null = null;
  let stopping = false;
  let backoff = initial;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let starts = 0;

  function spawn(): void {
    timer = null;
    if (stopping) return;
    const startedAt = Date.now();
    let child: Subprocess;
    try {
      child = Bun.spawn([...o.command], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    } catch (e) {
      scheduleRestart(`could not start: ${(e as Error).message}`, "");
      return;
    }
    proc = child;
    starts++;
    if (o.pidFile) writeFileSync(o.pidFile, `${child.pid}\n`);
    log.info({ dnsmasq_pid: child.pid, command: o.command.join(" "), start: starts }, "dnsmasq started");
    let stderr = "";
    const drain = (async () => {
      const dec = new TextDecoder();
      for await (const chunk of child.stderr as ReadableStream<Uint8Array>) stderr = (stderr + dec.decode(chunk, { stream: true })).slice(-4000);
    })().catch(() => {});
    void child.exited.then(async (code) => {
      await drain;
      if (proc === child) {
        proc = null;
        if (o.pidFile) rmSync(o.pidFile, { force: true });
      }
      if (stopping) return;
      if (Date.now() - startedAt >= stableAfter) backoff = initial;
      scheduleRestart(`exited with ${child.signalCode ?? `code ${code}`}`, stderr.trim());
    });
  }

  function scheduleRestart(why: string, stderr: string): void {
    const delay = backoff;
    backoff = Math.min(backoff * 2, max);
    log.error({ restart_in_ms: delay, stderr: stderr.split("\n").slice(-5).join("\n") || undefined }, `dnsmasq ${why}; restarting in ${(delay / 1000).toFixed(1)} s`);
    timer = setTimeout(spawn, delay);
  }

  return {
    get pid() {
      return proc?.pid ?? null;
    },
    get starts() {
      return starts;
    },
    start() {
      if (proc || timer) return;
      stopping = false;
      spawn();
    },
    reload() {
      if (!proc) return;
      proc.kill("SIGHUP");
      log.info({ dnsmasq_pid: proc.pid }, "dnsmasq reloaded (SIGHUP)");
    },
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = null;
      const child = proc;
      if (!child) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), killAfter);
      await child.exited;
      clearTimeout(killer);
      proc = null;
      if (o.pidFile) rmSync(o.pidFile, { force: true });
      log.info({ dnsmasq_pid: child.pid }, "dnsmasq stopped");
    },
  };
}
