/**
 * @module test/erase/context
 * A registry-backed context for driving operations as the agent does (through dispatch),
 * with the real exec seam and an inventory made of loop devices.
 */
import { createExec, type Exec } from "../../common/exec.ts";
import { createSilentLogger } from "../../common/logger.ts";
import { defineHardwareManager, HardwareSupport, type HardwareManager, type ManagerConfig } from "../../hardware-managers/contract/index.ts";
import { createManagerRegistry, type ContextBase } from "../../hardware-managers/registry/index.ts";
import type { Disk, Inventory } from "../../protocol/inventory.ts";
import type { StepDefinition, StepKind } from "../../protocol/steps.ts";

export const testConfig: ManagerConfig = Object.freeze({
  allowLoopDevices: true,
  simulatePower: true,
  insecure: false,
  md5Allowed: false,
  imageDownload: Object.freeze({ connectionTimeoutS: 10, connectionRetries: 0, retryIntervalS: 0, maxDurationS: 0 }),
});

export function inventoryOf(disks: Disk[], manufacturer: string | null = "QEMU"): Inventory {
  return {
    interfaces: [], cpu: { model_name: null, frequency: null, count: 1, architecture: "x86_64", flags: [], socket_count: 1 },
    disks, memory: { total: 0, physical_mb: null }, bmc_address: null, bmc_v6address: null,
    system_vendor: { product_name: null, serial_number: null, manufacturer, firmware: { vendor: null, version: "1.0", build_date: null } },
    boot: { current_boot_mode: "uefi", pxe_interface: null }, hostname: null,
  };
}

export interface Harness {
  base: ContextBase;
  progress: Array<Record<string, unknown>>;
  dispatch<T = unknown>(op: string, args?: Record<string, unknown>): Promise<{ result: T; manager: string }>;
  /** Every step of a kind, flattened over managers. */
  steps(kind: StepKind): Promise<StepDefinition[]>;
}

/**
 * @example
 * const h = await createHarness([manager], { disks: [dev.disk] });
 * await h.dispatch("secure_erase", { method: "zero" });
 */
export async function createHarness(
  managers: HardwareManager[],
  options: { disks?: Disk[]; node?: Record<string, unknown> | null; exec?: Exec; manufacturer?: string | null } = {},
): Promise<Harness> {
  const logger = createSilentLogger();
  const registry = createManagerRegistry({ logger });
  for (const m of managers) registry.register(m);
  const progress: Array<Record<string, unknown>> = [];
  const inventory = inventoryOf(options.disks ?? [], options.manufacturer ?? "QEMU");
  const base: ContextBase = {
    exec: options.exec ?? createExec(),
    logger,
    config: testConfig,
    node: options.node ?? null,
    ports: [],
    signal: new AbortController().signal,
    inventory: async () => inventory,
    progress: (u) => progress.push(u),
  };
  await registry.initialize(base);
  return {
    base,
    progress,
    dispatch: (op, args = {}) => registry.dispatch(op, base, args),
    steps: async (kind) => Object.values(await registry.steps(kind, base, { node: {}, ports: [] })).flat(),
  };
}

/** A manager with just the given operations, at GENERIC support. */
export const managerWith = (operations: HardwareManager["operations"]) =>
  defineHardwareManager({ name: "test_manager", version: "1", evaluateSupport: () => HardwareSupport.GENERIC, operations });
