/**
 * @module test/conductor/helpers/harness
 * Starts an in-process conductor on a free loopback port with a temporary data dir.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../../common/logger.ts";
import { buildConfig } from "../../../conductor/config/load.ts";
import { createConductor, type Conductor, type ConductorDeps } from "../../../conductor/conductor.ts";

export function freePort(): number {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const p = s.port!;
  s.stop(true);
  return p;
}

/**
 * True when every BMC address in the node's driver_info (`*_address`, a host or a URL) is on
 * loopback: tests must never send a BMC request to a real network.
 */
export function loopbackBmcOnly(node: { driver_info: Record<string, unknown> }): boolean {
  for (const [k, v] of Object.entries(node.driver_info)) {
    if (!/address$/.test(k) || typeof v !== "string" || !v) continue;
    let host = v;
    try {
      if (/^[a-z]+:\/\//i.test(v)) host = new URL(v).hostname;
    } catch {
      return false;
    }
    host = host.replace(/^\[|\]$/g, "");
    if (!(host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host))) return false;
  }
  return true;
}

export interface TestConductor {
  url: string;
  conductor: Conductor;
  dataDir: string;
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any; text: string }>;
  waitFor(ident: string, pred: (n: any) => boolean, timeoutMs?: number): Promise<any>;
  /** Creates a fake-hardware node with one port and waits until it is manageable; returns its UUID. */
  enroll(name: string, mac: string): Promise<string>;
  stop(): Promise<void>;
  /** Stops the conductor and removes its data dir (the end of a test; `stop()` keeps it for a restart). */
  destroy(): Promise<void>;
}

/** `port`: reuse one (a restart of the same conductor on the same data dir). */
/** `deps`: extra drivers, a capturing logger... (the harness adds its loopback-only sync gate). */
export async function startTestConductor(
  file: Record<string, unknown> = {},
  dataDir?: string,
  port = freePort(),
  deps: ConductorDeps = {},
): Promise<TestConductor> {
  dataDir ??= mkdtempSync(join(tmpdir(), "teeth-cond-"));
  // The power-state sync is off unless a test turns it on, and never reaches a BMC off loopback.
  const config = buildConfig({
    file: { listen: `127.0.0.1:${port}`, log_level: "warn", power: { sync_power_state_interval: 0, power_failure_recovery_interval: 0 }, ...file },
    flags: { data_dir: dataDir },
  });
  const logger = createLogger({ level: process.env.TEETH_TEST_LOG ?? "silent" });
  const conductor = createConductor(config, {
    logger,
    ...deps,
    powerSyncMayContact: (n) => loopbackBmcOnly(n) && (deps.powerSyncMayContact?.(n) ?? true),
  });
  conductor.start();
  const url = `http://127.0.0.1:${port}`;
  const api: TestConductor["api"] = async (method, path, body, headers = {}) => {
    const r = await fetch(url + path, {
      method,
      headers: { "X-OpenStack-Ironic-API-Version": "1.89", "Content-Type": "application/json", ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await r.text();
    let json: any = null;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: r.status, json, text };
  };
  const must = async (status: number, call: Promise<{ status: number; text: string; json: any }>) => {
    const r = await call;
    if (r.status !== status) throw new Error(`expected HTTP ${status}, got ${r.status}: ${r.text}`);
    return r;
  };
  const harness: TestConductor = {
    url,
    conductor,
    dataDir,
    api,
    async enroll(name, mac) {
      const node = await must(201, api("POST", "/v1/nodes", { name, driver: "fake-hardware" }));
      await must(201, api("POST", "/v1/ports", { address: mac, node_uuid: name }));
      await must(202, api("PUT", `/v1/nodes/${name}/states/provision`, { target: "manage" }));
      await harness.waitFor(name, (n) => n.provision_state === "manageable");
      return node.json.uuid as string;
    },
    async waitFor(ident, pred, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      let last: any;
      while (Date.now() < end) {
        last = (await api("GET", `/v1/nodes/${ident}`)).json;
        if (pred(last)) return last;
        await Bun.sleep(50);
      }
      throw new Error(`timeout waiting for node ${ident}: state ${last?.provision_state} last_error ${last?.last_error}`);
    },
    stop: () => conductor.stop(),
    async destroy() {
      await conductor.stop();
      rmSync(dataDir!, { recursive: true, force: true });
    },
  };
  return harness;
}
