/**
 * @module test/support/agent-process
 * Runs the compiled `dist/teeth agent` for a test, on a free loopback port, never touching
 * power (`--teeth-simulate-power=1`) or the host's kernel command line.
 */
import { spawn, type Subprocess } from "bun";
import { createServer } from "node:net";
import { resolve } from "node:path";

export const TEETH_BIN = resolve(import.meta.dir, "../../dist/teeth");

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

export interface AgentProcess {
  proc: Subprocess;
  port: number;
  base: string;
  logs(): string;
  waitForStatus(timeoutMs?: number): Promise<void>;
  rssKiB(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts `dist/teeth agent` (or `options.bin`, another build of it) with the test defaults plus `args`. */
export async function startAgentProcess(args: string[], options: { https?: boolean; bin?: string } = {}): Promise<AgentProcess> {
  const port = await freePort();
  const proc = spawn(
    [
      options.bin ?? TEETH_BIN,
      "agent",
      "--teeth-cmdline-file=/dev/null",
      "--ipa-listen-host=127.0.0.1",
      `--ipa-listen-port=${port}`,
      "--teeth-simulate-power=1",
      "--teeth-allow-loop-devices=1",
      "--ipa-lookup-interval=0.2",
      ...args,
    ],
    { stdout: "pipe", stderr: "pipe", cwd: "/tmp" },
  );
  let out = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of stream) out += dec.decode(chunk);
  };
  void pump(proc.stdout as ReadableStream<Uint8Array>);
  void pump(proc.stderr as ReadableStream<Uint8Array>);
  const base = `${options.https ? "https" : "http"}://127.0.0.1:${port}`;
  return {
    proc,
    port,
    base,
    logs: () => out,
    async waitForStatus(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          const r = await fetch(`${base}/v1/status`, { tls: { rejectUnauthorized: false } } as RequestInit);
          if (r.ok) return;
        } catch {
          /* not up yet */
        }
        if (proc.exitCode !== null) throw new Error(`agent exited ${proc.exitCode}:\n${out}`);
        if (Date.now() > deadline) throw new Error(`agent did not answer on ${base}:\n${out}`);
        await Bun.sleep(100);
      }
    },
    async rssKiB() {
      const status = await Bun.file(`/proc/${proc.pid}/status`).text();
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    },
    async stop() {
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
      await proc.exited;
      clearTimeout(timer);
    },
  };
}
