/**
 * @module conductor/conductor
 * `createConductor(config)`: wires the store, drivers, agent client, orchestration and API
 * into one instance; `start()` recovers interrupted nodes, serves HTTP and runs the timeout
 * sweep and the heartbeat flush (loops that survive a failing store); `stop()` undoes it.
 */
import { hostname } from "node:os";
import { join } from "node:path";
import type { Server } from "bun";
import { createExec, type Exec } from "../common/exec.ts";
import { createSilentLogger, type Logger } from "../common/logger.ts";
import { createAgentClient, type AgentClient } from "./agent-client/client.ts";
import { raiseParserHeaderLimit } from "../common/http-guard.ts";
import { createApiApp } from "./api/app.ts";
import { createHttpEntry } from "./api/http-entry.ts";
import { nodeView } from "./api/node-view.ts";
import { portView } from "./api/port-view.ts";
import { createNetboot } from "./boot/index.ts";
import type { ConductorConfig } from "./config/schema.ts";
import { createDriverRegistry, type DriverRegistry } from "./drivers/index.ts";
import type { HardwareType } from "./drivers/driver-contract.ts";
import { createImageService } from "./images/image-service.ts";
import type { ConductorContext } from "./orchestration/context.ts";
import { createNodeLocks } from "./orchestration/node-locks.ts";
import { createPoller } from "./orchestration/poller.ts";
import { createPowerSync, type PowerSync } from "./orchestration/power-sync.ts";
import { createPrestager, type Prestager } from "./orchestration/prestage/prestage-loop.ts";
import { recoverNodes } from "./orchestration/recovery.ts";
import { createResilientLoop, type ResilientLoop } from "./orchestration/resilient-loop.ts";
import { processAgentSteps } from "./orchestration/step-runner.ts";
import { sweepTimeouts } from "./orchestration/timeouts.ts";
import { createTransition } from "./state-machine/transition.ts";
import { createStore, type Store } from "./store/index.ts";
import { isStoreFault } from "./store/store-fault.ts";
import type { NodeRecord } from "./store/node-record.ts";

export interface ConductorDeps {
  logger?: Logger;
  exec?: Exec;
  /** Store path; default `<data_dir>/teeth.db`. */
  dbPath?: string;
  agent?: AgentClient;
  extraDrivers?: HardwareType[];
  /** Gate before the power-state sync contacts a node's BMC (tests: loopback BMCs only). */
  powerSyncMayContact?: (node: NodeRecord) => boolean;
}

export interface Conductor {
  readonly ctx: ConductorContext;
  readonly store: Store;
  readonly drivers: DriverRegistry;
  /** The periodic power-state sync (started by `start()`; `syncOnce()` for one pass now). */
  readonly powerSync: PowerSync;
  /** The pre-staging loop (`deploy.prestage_image`; started by `start()`; `passOnce()` for one pass now). */
  readonly prestager: Prestager;
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
    move: createTransition(store.nodes, log, { store: store.history, conductor: hostname() }),
    images: createImageService({ dataDir: config.data_dir, publicUrl: config.public_url }),
    background(name, fn) {
      track(
        fn().catch((e) => log.error({ task: name, err: e }, "background task crashed")),
      );
    },
    schedulePoll: (uuid) => schedule(uuid),
    agentViews: { node: (n) => nodeView(n, config.public_url), port: (p) => portView(p, config.public_url) },
  };
  const poller = createPoller({ intervalMs: config.agent.poll_interval_s * 1000, locks, log, poll: (uuid) => processAgentSteps(ctx, uuid), track });
  schedule = poller.schedule;
  const powerSync = createPowerSync(ctx, { mayContact: deps.powerSyncMayContact });
  const prestager = createPrestager(ctx);
  const entry = createHttpEntry(createApiApp(ctx), config.public_url, log);
  let server: Server<unknown> | null = null;
  // A locked or full store must not stop these: they log, back off and try again; the
  // heartbeat buffer keeps what it could not write.
  const flush = createResilientLoop({
    name: "heartbeat flush", intervalMs: 1000, maxBackoffMs: 5000, log,
    run: () => {
      try {
        store.nodes.flushHeartbeats();
      } catch (e) {
        throw store.guard.unavailable(e) ?? e; // logs the operator's reason; a lock also spares the API the wait
      }
    },
  });
  const sweep = createResilientLoop({ name: "timeout sweep", intervalMs: config.timeouts.check_interval_s * 1000, maxBackoffMs: 60_000, log, run: () => sweepTimeouts(ctx) });
  let recovery: ResilientLoop | null = null;

  /** The last flush: a few tries, for a lock held by another process to pass. */
  async function flushAtStop() {
    store.guard.close();
    for (let attempt = 1; ; attempt++) {
      try {
        return store.nodes.flushHeartbeats();
      } catch (e) {
        if (!isStoreFault(e) || attempt === 5) {
          log.error({ err: e }, "buffered heartbeat times could not be written at stop");
          return;
        }
        await Bun.sleep(200 * attempt);
      }
    }
  }

  return {
    ctx,
    store,
    drivers,
    powerSync,
    prestager,
    fetch: (req) => entry.fetch(req),
    start() {
      let failed: string[] = [];
      const recover = () => {
        failed = recoverNodes(ctx).failed;
        if (failed.length) log.warn({ nodes: failed }, "nodes interrupted by a previous conductor were failed");
      };
      try {
        recover();
      } catch (e) {
        if (!isStoreFault(e)) throw e;
        // Serve anyway (reads work, writes answer 503) and finish recovery once the store lets us.
        log.error({ err: e }, "recovery of interrupted nodes could not use the store; retrying in the background");
        recovery = createResilientLoop({ name: "recovery", intervalMs: 1000, once: true, log, run: recover });
        recovery.start();
      }
      const i = config.listen.lastIndexOf(":");
      // Oversized headers must reach the guard, which answers them in Ironic's error body.
      raiseParserHeaderLimit();
      server = Bun.serve({
        hostname: config.listen.slice(0, i).replace(/^\[|\]$/g, ""),
        port: Number(config.listen.slice(i + 1)),
        fetch: entry.fetch,
        error: entry.error,
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
      flush.start();
      sweep.start();
      powerSync.start();
      prestager.start();
      log.info({ listen: config.listen, data_dir: config.data_dir, public_url: config.public_url, drivers: drivers.names() }, "conductor started");
      return { port: server.port ?? 0, recovered: failed };
    },
    async idle() {
      while (running.size) await Promise.allSettled([...running]);
    },
    async stop() {
      poller.stop();
      await Promise.all([sweep.stop(), flush.stop(), recovery?.stop(), powerSync.stop(), prestager.stop()]);
      await server?.stop(true);
      await Promise.allSettled([...running]);
      await drivers.close();
      await netboot.stop();
      await flushAtStop();
      try {
        store.close();
      } catch (e) {
        log.error({ err: e }, "store closed with heartbeats it could not write");
      }
    },
  };
}
