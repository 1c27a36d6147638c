/**
 * @module conductor/orchestration/context
 * What every orchestration step receives: config, store, logger, drivers, agent client,
 * transition function, locks, the background-task runner, and the views agent commands carry.
 */
import type { Logger } from "../../common/logger.ts";
import type { AgentClient } from "../agent-client/client.ts";
import type { ConductorConfig } from "../config/schema.ts";
import type { DriverRegistry } from "../drivers/index.ts";
import type { ImageService } from "../images/image-service.ts";
import type { Transition } from "../state-machine/transition.ts";
import type { Store } from "../store/index.ts";
import type { Dict, NodeRecord } from "../store/node-record.ts";
import type { PortRecord } from "../store/port-store.ts";
import type { NodeLocks } from "./node-locks.ts";

export interface ConductorContext {
  readonly config: ConductorConfig;
  readonly store: Store;
  readonly log: Logger;
  readonly drivers: DriverRegistry;
  readonly agent: AgentClient;
  readonly move: Transition;
  readonly locks: NodeLocks;
  readonly images: ImageService;
  /** Runs `fn` in the background; tracks it so shutdown and tests can wait for it. */
  background(name: string, fn: () => Promise<void>): void;
  /** Polls a running agent step soon (progress, completion). */
  schedulePoll(uuid: string): void;
  /** The name this conductor reports in `reservation`/`conductor`. */
  readonly hostname: string;
  /**
   * A node and a port as every agent command carries them (the API's masked views, without
   * links). Passed in by `createConductor`, so orchestration never imports the API.
   */
  readonly agentViews: AgentViews;
}

/** Renders the `node` and `ports` of an agent command (see `agent-params.ts`). */
export interface AgentViews {
  node(node: NodeRecord): Dict;
  port(port: PortRecord): Dict;
}
