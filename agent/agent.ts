/**
 * @module agent/agent
 * Wires the agent: hardware managers, inventory, command API, auto-TLS, lookup and heartbeat.
 * Receives a frozen config from `main`; reads no argv or environment itself.
 */
import type { Server } from "bun";
import type { Exec } from "../common/exec.ts";
import type { Logger } from "../common/logger.ts";
import { TEETH_VERSION } from "../common/version.ts";
import type { HardwareManager, ManagerConfig } from "../hardware-managers/contract/index.ts";
import { genericHardwareManager } from "../hardware-managers/generic/index.ts";
import { createManagerRegistry, type ContextBase } from "../hardware-managers/registry/index.ts";
import { realHostFs } from "../machine/host-fs.ts";
import type { Inventory } from "../protocol/inventory.ts";
import { guardRequest, raiseParserHeaderLimit } from "../common/http-guard.ts";
import { createAgentApp } from "./api/app.ts";
import { faultBody } from "./api/faults.ts";
import { createCommandRunner } from "./commands/command-runner.ts";
import type { CommandContext } from "./commands/extension.ts";
import type { AgentConfig } from "./config/agent-config.ts";
import { createExtensions, type AgentServices } from "./extensions/index.ts";
import { callbackUrl, findAdvertiseAddress } from "./heartbeat/advertise-address.ts";
import { createAgentMemory } from "./state/agent-memory.ts";
import { createAgentState, type AgentState } from "./state/agent-state.ts";
import { createHeartbeater, type Heartbeater } from "./heartbeat/heartbeater.ts";
import { compareMicroversion, createIronicApiClient } from "./heartbeat/ironic-api-client.ts";
import { collectInventory } from "../machine/inventory/collect-inventory.ts";
import type { LogRing } from "./logs/log-ring.ts";
import { loadPlugins } from "./plugins/load-plugins.ts";
import { createPowerControl } from "./power/power-control.ts";
import { generateAgentCertificate } from "./tls/auto-tls.ts";

export interface AgentDeps {
  config: AgentConfig;
  logger: Logger;
  ring: LogRing;
  exec: Exec;
  /** Built-in managers; default: the generic one. Plugins from the config's directory are added. */
  builtinManagers?: HardwareManager[];
}

export interface RunningAgent {
  readonly state: AgentState;
  readonly url: string;
  readonly startedAt: number;
  /** Resolves when the agent has stopped (stop() or lockdown). */
  readonly stopped: Promise<void>;
  stop(): Promise<void>;
}

/** Retries `fn` with the lookup backoff until it succeeds or the agent stops. */
async function discoverWithBackoff(
  discover: () => Promise<{ ok: true; value: string } | { ok: false; reason: string }>,
  logger: Logger,
  intervalS: number,
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const r = await discover();
    if (r.ok) return r.value;
    const high = Math.min(60, Math.max(intervalS, 2 ** (attempt - 1)));
    const delay = intervalS + Math.random() * (high - intervalS);
    logger.warn({ reason: r.reason, retry_in_s: Number(delay.toFixed(2)) }, "conductor API unreachable");
    await Bun.sleep(delay * 1000);
  }
}

/**
 * Starts the agent and returns once the command API is listening (lookup and heartbeats go on
 * in the background).
 * @example
 * const agent = await startAgent({ config, logger, ring, exec: createExec() });
 * await agent.stopped;
 */
export async function startAgent(deps: AgentDeps): Promise<RunningAgent> {
  const { config, logger, exec } = deps;
  const startedAt = Date.now() / 1000;
  if (config.hardwareInitializationDelayS > 0) await Bun.sleep(config.hardwareInitializationDelayS * 1000);
  const state = createAgentState(config.agentToken);
  const shutdown = new AbortController();

  let cached: Promise<Inventory> | null = null;
  const inventory = (options?: { refresh?: boolean }) => {
    if (!cached || options?.refresh) {
      const next = collectInventory({ exec, logger, allowLoopDevices: config.allowLoopDevices, bootif: config.bootif }).then(
        (inv) => (config.onlyDisks ? { ...inv, disks: inv.disks.filter((d) => config.onlyDisks!.includes(d.name)) } : inv),
      );
      next.catch(() => {
        if (cached === next) cached = null;
      });
      cached = next;
    }
    return cached;
  };
  const managerConfig: ManagerConfig = Object.freeze({
    allowLoopDevices: config.allowLoopDevices,
    simulatePower: config.simulatePower,
    insecure: config.insecure,
    get md5Allowed() {
      return state.md5Allowed;
    },
    get permittedImageFormats() {
      return state.permittedImageFormats;
    },
    imageDownload: config.imageDownload,
    guardSpecialFilesystems: config.guardSpecialFilesystems,
  });
  const memory = createAgentMemory();
  const contextBase = (command?: CommandContext, node?: Record<string, unknown> | null, ports?: Array<Record<string, unknown>>): ContextBase => ({
    exec,
    fs: realHostFs,
    logger,
    config: managerConfig,
    node: node && Object.keys(node).length ? node : (state.node as Record<string, unknown> | null),
    ports: ports ?? [],
    memory,
    signal: command?.signal ?? shutdown.signal,
    inventory,
    progress: (update) => command?.progress(update),
  });

  const registry = createManagerRegistry({ logger });
  for (const m of deps.builtinManagers ?? [genericHardwareManager]) registry.register(m);
  for (const m of await loadPlugins(config.hardwareManagersDir, logger)) registry.register(m);
  await registry.initialize(contextBase());

  const power = createPowerControl({ exec, logger, simulate: config.simulatePower });
  let heartbeater: Heartbeater | null = null;
  let server: Server<unknown> | null = null;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));

  const stop = async () => {
    heartbeater?.stop();
    shutdown.abort();
    server?.stop(true);
    resolveStopped();
  };

  const services: AgentServices = {
    registry,
    managerContext: (command, np) => contextBase(command, np?.node, np?.ports),
    async hardwareInfo() {
      const all = await registry.dispatchAll("list_hardware_info", contextBase());
      // Lower-ranked first so the best-supported manager's fields win, as IPA merges.
      return Object.assign({}, ...Object.values(all).reverse()) as Inventory;
    },
    power,
    exec,
    logger,
    ring: deps.ring,
    cmdlineFile: config.cmdlineFile,
    async lockdown() {
      logger.warn("lockdown: stopping heartbeats and the command API, taking interfaces down");
      state.lockedDown = true;
      const inv = await inventory().catch(() => null);
      await stop();
      await power.downInterfaces(inv?.interfaces.map((i) => i.name) ?? []);
    },
  };

  const runner = createCommandRunner({
    extensions: createExtensions(services),
    logger,
    onAsyncDone: () => heartbeater?.force(),
  });
  // Set once the server listens (the port may be chosen by the system).
  let publicUrl = "";
  const app = createAgentApp({
    runner,
    token: () => state.token,
    status: () => ({ started_at: startedAt, version: TEETH_VERSION }),
    logger,
    publicUrl: () => publicUrl,
  });
  // A missing Host would misroute the request, a bad one is a 400, oversized headers a 431:
  // all answered in IPA's fault body before Hono sees the request.
  const guarded = (request: Request) => {
    const g = guardRequest(request, { origin: "http://agent.invalid" });
    if (!g.ok) return Response.json(faultBody(g.status, g.message), { status: g.status });
    return app.fetch(g.request);
  };

  // Before serving: learn the conductor's version (auto-TLS needs 1.68) and our callback address.
  const useConductor = config.apiUrls.length > 0 && !config.standalone;
  const api = createIronicApiClient({
    apiUrls: config.apiUrls,
    insecure: config.insecure,
    timeoutS: config.httpRequestTimeoutS,
    globalRequestId: config.globalRequestId,
    pinnedVersion: config.ironicApiVersion,
  });
  let serverVersion: string | null = null;
  if (useConductor) {
    serverVersion = await discoverWithBackoff(() => api.discoverVersion(), logger, config.lookupIntervalS);
    logger.info({ api: api.baseUrl(), version: serverVersion }, "conductor API found");
  }
  const advertiseHost =
    config.advertiseHost ?? (await findAdvertiseAddress(exec, useConductor ? api.baseUrl() : undefined)) ?? "127.0.0.1";
  const tlsWanted = config.autoTls && (!serverVersion || compareMicroversion(serverVersion, "1.68") >= 0);
  const cert = tlsWanted
    ? await generateAgentCertificate({ exec, dir: config.tlsDir, host: advertiseHost, curve: config.tlsCurve })
    : null;
  const protocol = cert ? "https" : (config.advertiseProtocol ?? "http");

  const serve = (hostname: string) =>
    Bun.serve({
      hostname,
      port: config.listenPort,
      fetch: guarded,
      maxRequestBodySize: 128 * 1024 * 1024,
      idleTimeout: 255,
      ...(cert
        ? {
            tls: {
              cert: cert.certPem,
              key: cert.keyPem,
              secureOptions: 0,
              lowMemoryMode: false,
            },
          }
        : {}),
      error: (error) => {
        logger.error({ err: error }, "unhandled request error");
        return Response.json({ faultcode: "Server", faultstring: "Internal server error", debuginfo: null }, { status: 500 });
      },
    });
  raiseParserHeaderLimit();
  try {
    server = serve(config.listenHost);
  } catch (error) {
    if (config.listenHost !== "::") throw error;
    logger.warn({ err: error }, "cannot listen on [::]; falling back to 0.0.0.0");
    server = serve("0.0.0.0");
  }
  const url = callbackUrl(protocol, advertiseHost, config.advertisePort === config.listenPort ? server.port! : config.advertisePort);
  publicUrl = url.replace(/\/+$/, "");
  logger.info({ listen: `${config.listenHost}:${server.port}`, callback_url: url, tls: Boolean(cert) }, "command API listening");

  if (useConductor) {
    heartbeater = createHeartbeater({
      api,
      state,
      logger,
      macs: async () => (await inventory()).interfaces.map((i) => i.mac_address).filter(Boolean),
      callbackUrl: url,
      verifyCa: cert?.certPem ?? null,
      agentVersion: TEETH_VERSION,
      lookupTimeoutS: config.lookupTimeoutS,
      lookupIntervalS: config.lookupIntervalS,
      ...(config.inspectionCallbackUrl ? { discovery: { url: config.inspectionCallbackUrl, inventory: () => inventory() } } : {}),
    });
    void heartbeater.run().catch((error) => logger.error({ err: error }, "heartbeat loop crashed"));
  } else {
    logger.warn("no ipa-api-url (or ipa-standalone=1): not looking up or heartbeating");
  }
  return { state, url, startedAt, stopped, stop };
}
