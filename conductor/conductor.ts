/**
 * @module conductor/conductor
 * `createConductor(config)`: wires the store, drivers, agent client, orchestration and API
 * into one instance; `start()` recovers interrupted nodes, serves HTTP and runs the timeout
 * sweep; `stop()` undoes it.
 */
import { hostname } from "node:os";
import { join } from "node:path";
import type { Server } from "bun";
import { createExec, type Exec } from "../common/exec.ts";
import { createSilentLogger, type Logger } from "../common/logger.ts";
import { createAgentClient, type AgentClient } from "./agent-client/client.ts";
import { createApiApp } from "./api/app.ts";
import { createNetboot } from "./boot/index.ts";
import type { ConductorConfig } from "./config/schema.ts";
import { createDriverRegistry, type DriverRegistry } from "./drivers/index.ts";
import type { HardwareType } from "./drivers/driver-contract.ts";
import { createImageService } from "./images/image-service.ts";
import type { ConductorContext } from "./orchestration/context.ts";
import { createNodeLocks } from "./orchestration/node-locks.ts";
import { createPoller } from "./orchestration/poller.ts";
import { recoverNodes } from "./orchestration/recovery.ts";
import { processAgentSteps } from "./orchestration/step-runner.ts";
import { sweepTimeouts } from "./orchestration/timeouts.ts";
import { createTransition } from "./state-machine/transition.ts";
import { createStore, type Store } from "./store/index.ts";

export interface ConductorDeps {
  logger?: Logger;
  exec?: Exec;
  /** Store path; default `<data_dir>/teeth.db`. */
  dbPath?: string;
  agent?: AgentClient;
  extraDrivers?: HardwareType[];
}

export interface Conductor {
  readonly ctx: ConductorContext;
  readonly store: Store;
  readonly drivers: DriverRegistry;
  /** The Hono app's fetch (for tests without a socket). */
  fetch(request: Request): Response | Promise<Response>;
  /** Recovers nodes, serves HTTP, starts the sweep. Returns the bound port. */
  start(): { port: number; recovered: string[] };
  /** Resolves when no background work is running. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Creates a conductor.
 * @example
 * const conductor = createConductor(buildConfig({ flags: { data_dir: "/tmp/t" } }), { logger });
 * const { port } = conductor.start();
 */
export function createConductor(config: ConductorConfig, deps: ConductorDeps = {}): Conductor {
  const log = deps.logger ?? createSilentLogger();
  const store = createStore(deps.dbPath ?? join(config.data_dir, "teeth.db"));
  const exec = deps.exec ?? createExec();
  const netboot = createNetboot(config, { store, log });
  const drivers = createDriverRegistry(config, { exec, logger: log, extra: deps.extraDrivers, pxeBoot: netboot.boot });
  const locks = createNodeLocks();
  const running = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    running.add(p);
    void p.finally(() => running.delete(p));
  };
  // The poller needs the context and the context needs the poller: bind late.
  let schedule: (uuid: string) => void = () => {};
  const ctx: ConductorContext = {
    config,
    store,
    log,
    drivers,
    locks,
    hostname: hostname(),
    agent: deps.agent ?? createAgentClient({ logger: log, commandTimeoutS: config.agent.command_timeout_s, maxAttempts: config.agent.max_command_attempts }),
    move: createTransition(store.nodes, log),
    images: createImageService({ dataDir: config.data_dir, publicUrl: config.public_url }),
    background(name, fn) {
      track(
        fn().catch((e) => log.error({ task: name, err: (e as Error).message, stack: (e as Error).stack }, "background task crashed")),
      );
    },
    schedulePoll: (uuid) => schedule(uuid),
  };
  const poller = createPoller({ intervalMs: config.agent.poll_interval_s * 1000, locks, log, poll: (uuid) => processAgentSteps(ctx, uuid), track });
  schedule = poller.schedule;
  const app = createApiApp(ctx);
  let server: Server<unknown> | null = null;
  let sweep: ReturnType<typeof setInterval> | null = null;
  let flush: ReturnType<typeof setInterval> | null = null;

  return {
    ctx,
    store,
    drivers,
    fetch: (req) => app.fetch(req),
    start() {
      const { failed } = recoverNodes(ctx);
      if (failed.length) log.warn({ nodes: failed }, "nodes interrupted by a previous conductor were failed");
      const i = config.listen.lastIndexOf(":");
      server = Bun.serve({
        hostname: config.listen.slice(0, i).replace(/^\[|\]$/g, ""),
        port: Number(config.listen.slice(i + 1)),
        fetch: app.fetch,
        maxRequestBodySize: 100 * 1024 * 1024,
        idleTimeout: 120,
      });
      // dnsmasq after the HTTP server: iPXE fetches its script as soon as it has an address.
      try {
        netboot.start();
      } catch (e) {
        void server.stop(true);
        server = null;
        throw e;
      }
      flush = setInterval(() => store.nodes.flushHeartbeats(), 1000);
      sweep = setInterval(() => {
        try {
          sweepTimeouts(ctx);
        } catch (e) {
          log.error({ err: (e as Error).message }, "timeout sweep failed");
        }
      }, config.timeouts.check_interval_s * 1000);
      log.info({ listen: config.listen, data_dir: config.data_dir, public_url: config.public_url, drivers: drivers.names() }, "conductor started");
      return { port: server.port ?? 0, recovered: failed };
    },
    async idle() {
      while (running.size) await Promise.allSettled([...running]);
    },
    async stop() {
      poller.stop();
      if (sweep) clearInterval(sweep);
      if (flush) clearInterval(flush);
      await server?.stop(true);
      await Promise.allSettled([...running]);
      await netboot.stop();
      store.close();
    },
  };
}
