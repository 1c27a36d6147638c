/**
 * @module agent/extensions/services
 * What extensions are given by the agent: the hardware-manager registry and a way to build a
 * manager context for one command, power, logs, lockdown.
 */
import type { Exec } from "../../common/exec.ts";
import type { Logger } from "../../common/logger.ts";
import type { ContextBase, ManagerRegistry } from "../../hardware-managers/registry/index.ts";
import type { Inventory } from "../../protocol/inventory.ts";
import type { CommandContext } from "../commands/extension.ts";
import type { LogRing } from "../logs/log-ring.ts";
import type { PowerControl } from "../power/power-control.ts";

export interface NodeAndPorts {
  node?: Record<string, unknown> | null;
  ports?: Array<Record<string, unknown>>;
}

export interface AgentServices {
  readonly registry: ManagerRegistry;
  /** A manager context for one command: its node/ports (else the looked-up node), signal, progress. */
  managerContext(command: CommandContext, nodeAndPorts?: NodeAndPorts): ContextBase;
  /** Inventory merged from every manager implementing `list_hardware_info` (higher support wins). */
  hardwareInfo(): Promise<Inventory>;
  readonly power: PowerControl;
  readonly exec: Exec;
  readonly logger: Logger;
  readonly ring: LogRing;
  readonly cmdlineFile: string;
  /** Stops heartbeats and the API, takes NICs down. */
  lockdown(): Promise<void>;
}
