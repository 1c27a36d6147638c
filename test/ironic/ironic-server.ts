/**
 * @module test/ironic/ironic-server
 * Starts a private, real OpenStack Ironic (Debian bookworm `ironic-api` + `ironic-conductor`
 * 21.4, API 1.82) for a test: one process (`ironic --config-file F`), noauth, sqlite, no RPC
 * bus, fake-hardware with the `direct` deploy interface, on a free loopback port, everything in
 * one temporary directory that `stop()` removes. `baremetal` (python3-ironicclient) talks to it.
 *
 * Debian packages: ironic-api ironic-conductor python3-ironicclient (see README.md here).
 */
import { MAC_ADDRESS_PATTERN } from "../../common/mac-address.ts";
import { spawn, type Subprocess } from "bun";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort, startAgentProcess, TEETH_BIN, type AgentProcess } from "../support/agent-process.ts";

const TEMPLATE = resolve(import.meta.dir, "ironic.conf.in");
export const IRONIC_API_VERSION = "1.82";

/** Why Ironic can't run here, or null when `ironic`, `ironic-dbsync` and `baremetal` are installed. */
export function ironicMissing(): string | null {
  const missing = ["ironic", "ironic-dbsync", "baremetal"].filter((b) => !Bun.which(b));
  if (missing.length === 0) return null;
  return `real Ironic not installed (missing ${missing.join(", ")}): apt-get install ironic-api ironic-conductor python3-ironicclient`;
}

export interface IronicServer {
  url: string;
  port: number;
  dir: string;
  configFile: string;
  /** Where Ironic writes the agents' auto-TLS certificates (`<node uuid>.crt`). */
  certificatesDir: string;
  /** Where deploy logs (`log.collect_system_logs` tarballs) land on failure. */
  deployLogsDir: string;
  /** Ironic's own log (debug level), read afresh each call. */
  log(): string;
  /** Runs `baremetal ARGS... [-f json]` against this Ironic; JSON output is parsed. */
  baremetal(args: string[], options?: { json?: boolean }): Promise<any>;
  /** GET on the REST API at microversion 1.82. */
  api(path: string): Promise<any>;
  /** POST of a JSON body on the REST API at microversion 1.82. */
  post(path: string, body: unknown): Promise<any>;
  stop(): Promise<void>;
}

function sh(cmd: string[], env?: Record<string, string>): string {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")}: exit ${r.exitCode}: ${r.stderr.toString()}${r.stdout.toString()}`);
  return r.stdout.toString();
}

/**
 * @example
 * const ironic = await startIronic();
 * afterAll(() => ironic.stop());
 * const node = await ironic.baremetal(["node", "create", "--driver", "fake-hardware"], { json: true });
 */
export async function startIronic(options: { startTimeoutMs?: number } = {}): Promise<IronicServer> {
  const why = ironicMissing();
  if (why) throw new Error(why);
  const dir = mkdtempSync(join(tmpdir(), "teeth-ironic-"));
  for (const sub of ["state", "http", "certs", "locks", "deploy-logs"]) mkdirSync(join(dir, sub));
  const port = await freePort();
  const configFile = join(dir, "ironic.conf");
  writeFileSync(configFile, readFileSync(TEMPLATE, "utf8").replaceAll("@DIR@", dir).replaceAll("@PORT@", String(port)));
  sh(["ironic-dbsync", "--config-file", configFile, "create_schema"]);

  const url = `http://127.0.0.1:${port}`;
  const logFile = join(dir, "ironic.log");
  const proc: Subprocess = spawn(["ironic", "--config-file", configFile], {
    stdout: Bun.file(join(dir, "stdout.log")),
    stderr: Bun.file(join(dir, "stderr.log")),
    cwd: dir,
  });
  const env = { OS_AUTH_TYPE: "none", OS_ENDPOINT: url, OS_BAREMETAL_API_VERSION: IRONIC_API_VERSION };

  const server: IronicServer = {
    url,
    port,
    dir,
    configFile,
    certificatesDir: join(dir, "certs"),
    deployLogsDir: join(dir, "deploy-logs"),
    log: () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : ""),
    async baremetal(args, { json = false } = {}) {
      const cmd = ["baremetal", ...args, ...(json ? ["-f", "json"] : [])];
      const p = spawn(cmd, { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
      const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
      if (code !== 0) throw new Error(`${cmd.join(" ")}: exit ${code}: ${err}${out}`);
      return json ? JSON.parse(out) : out;
    },
    async api(path) {
      const r = await fetch(`${url}${path}`, { headers: { "X-OpenStack-Ironic-API-Version": IRONIC_API_VERSION } });
      if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`);
      return r.json();
    },
    async post(path, body) {
      const r = await fetch(`${url}${path}`, {
        method: "POST",
        headers: { "X-OpenStack-Ironic-API-Version": IRONIC_API_VERSION, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      if (!r.ok) throw new Error(`POST ${path}: ${r.status} ${await r.text()}`);
      return r.json();
    },
    async stop() {
      if (proc.exitCode === null) {
        proc.kill("SIGTERM");
        const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
        await proc.exited;
        clearTimeout(timer);
      }
      if (!process.env.TEETH_KEEP_IRONIC) rmSync(dir, { recursive: true, force: true });
      else console.log(`Ironic state kept in ${dir}`);
    },
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    try {
      const r = await fetch(`${url}/`);
      if (r.ok) {
        const body = (await r.json()) as { default_version?: { version?: string } };
        if (body.default_version?.version) break;
      }
    } catch {
      /* not listening yet */
    }
    if (proc.exitCode !== null || Date.now() > deadline) {
      const tail = server.log().split("\n").slice(-30).join("\n");
      await server.stop();
      throw new Error(`Ironic did not start (exit ${proc.exitCode}) on ${url}:\n${tail}`);
    }
    await Bun.sleep(200);
  }
  return server;
}

/** MAC addresses of this machine's network interfaces (what the agent's inventory reports), loopback excluded. */
export function hostMacs(): string[] {
  const macs = new Set<string>();
  for (const name of Array.from(new Bun.Glob("*").scanSync({ cwd: "/sys/class/net", onlyFiles: false }))) {
    if (name === "lo") continue;
    try {
      const mac = readFileSync(`/sys/class/net/${name}/address`, "utf8").trim().toLowerCase();
      if (MAC_ADDRESS_PATTERN.test(mac) && mac !== "00:00:00:00:00:00") macs.add(mac);
    } catch {
      /* interface went away */
    }
  }
  return [...macs];
}

/**
 * The agent binary the Ironic tests boot: `dist/teeth`, or `TEETH_IRONIC_AGENT_BIN` (e.g. a
 * build with a candidate fix, to run these tests with `TEETH_IRONIC_STRICT=1` before it lands).
 */
export const AGENT_BIN = process.env.TEETH_IRONIC_AGENT_BIN || TEETH_BIN;

/** Starts the agent the way every agent test does, from AGENT_BIN. */
export function startAgent(args: string[], options: { https?: boolean } = {}): Promise<AgentProcess> {
  return startAgentProcess(args, { ...options, bin: AGENT_BIN });
}
