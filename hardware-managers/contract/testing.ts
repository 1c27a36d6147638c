/**
 * @module hardware-managers/contract/testing
 * The vendors' test kit: one `createTestContext()` gives a manager context with a recording
 * fake exec, a fake (or real) file tree, a silent logger, a test config and an inventory,
 * and dispatches through the real registry, so a test sees decline, fail and ranking exactly
 * as the agent would. For tests only: plugins must not bundle it (it pulls the registry).
 */
import { createExec, type Exec, type ExecResult } from "../../common/exec.ts";
import { createSilentLogger, type Logger } from "../../common/logger.ts";
import { realHostFs, type HostFs } from "../../machine/host-fs.ts";
import { createMemoryHostFs } from "../../machine/testing/memory-host-fs.ts";
import type { Disk, Inventory } from "../../protocol/inventory.ts";
import type { StepDefinition, StepKind } from "../../protocol/steps.ts";
import { createManagerRegistry, isDeclined, type ContextBase, type DispatchResult, type ManagerRegistry } from "../registry/index.ts";

export { isDeclined };

/** Resolves true when the operation declined (`ctx.decline()`), false when it returned; rethrows other errors. */
export async function declines(operation: Promise<unknown> | unknown): Promise<boolean> {
  try {
    await operation;
    return false;
  } catch (error) {
    if (isDeclined(error)) return true;
    throw error;
  }
}
import type { AgentMemory, ArgsOf, HardwareManager, ManagerConfig, ManagerContext, ResultOf } from "./index.ts";

/** An agent memory for tests (the agent's own is `agent/state/agent-memory.ts`). */
export function mapMemory(): AgentMemory {
  const values = new Map<string, unknown>();
  return { get: (k) => values.get(k), set: (k, v) => void values.set(k, v), delete: (k) => void values.delete(k) };
}

/** What a scripted tool run answers: stdout (success), a partial result, or nothing (success, no output). */
export type ExecAnswer = string | Partial<ExecResult> | undefined;

export interface TestContextOptions {
  /** Scripted answers by command line (`"nvme id-ctrl /dev/nvme0 -o json"`); default: every tool succeeds silently. */
  answer?: (command: string, file: string, args: readonly string[]) => ExecAnswer | Promise<ExecAnswer>;
  /** A real exec instead (`createExec()`, or one wrapping it); calls are still recorded. `"real"`: createExec(). */
  exec?: Exec | "real";
  /** Fake files by absolute path (sysfs attributes, a small device), or a HostFs (`realHostFs`, `createHostFs(tree)`). */
  files?: Record<string, string | Uint8Array> | HostFs | "real";
  /** Merged over an empty inventory (`disks`, `system_vendor`, ...). */
  inventory?: Partial<Inventory>;
  node?: Record<string, unknown> | null;
  ports?: Array<Record<string, unknown>>;
  config?: Partial<ManagerConfig>;
  logger?: Logger;
  /** The agent's memory (shared between contexts to play one agent across commands); default a fresh one. */
  memory?: AgentMemory;
  /** Managers registered, in order, in the registry `ctx.dispatch` and `kit.dispatch` go through. */
  managers?: HardwareManager[];
}

export interface TestContext {
  /** A context as the registry hands it to a manager (`decline` and `fail` throw as in the agent). */
  readonly ctx: ManagerContext;
  /** The context without what the registry adds, for driving a registry yourself. */
  readonly base: ContextBase;
  /** Every command line run through `ctx.exec`, in order. */
  readonly calls: string[];
  /** Every `ctx.progress()` update, in order. */
  readonly progress: Array<Record<string, unknown>>;
  readonly fs: HostFs;
  readonly registry: ManagerRegistry;
  /** Dispatches through the registry of `managers` (initialized on first use). */
  dispatch<K extends string>(operation: K, args?: ArgsOf<K>): Promise<DispatchResult<ResultOf<K>>>;
  /** Every step of a kind, flattened over managers. */
  steps(kind: StepKind): Promise<StepDefinition[]>;
}

/** Agent settings for tests: loop devices allowed, power simulated, short download timeouts. */
export const TEST_CONFIG: ManagerConfig = Object.freeze({
  allowLoopDevices: true,
  simulatePower: true,
  insecure: false,
  md5Allowed: false,
  imageDownload: Object.freeze({ connectionTimeoutS: 10, connectionRetries: 0, retryIntervalS: 0, maxDurationS: 0 }),
});

/** An inventory with nothing in it but what `over` gives. */
export function testInventory(over: Partial<Inventory> = {}): Inventory {
  return {
    interfaces: [],
    cpu: { model_name: null, frequency: null, count: 1, architecture: "x86_64", flags: [], socket_count: 1 },
    disks: [] as Disk[],
    memory: { total: 0, physical_mb: null },
    bmc_address: null,
    bmc_v6address: null,
    system_vendor: { product_name: null, serial_number: null, manufacturer: null, firmware: { vendor: null, version: "1.0", build_date: null } },
    boot: { current_boot_mode: "uefi", pxe_interface: null },
    hostname: null,
    ...over,
  };
}

const asResult = (command: string, answer: ExecAnswer): ExecResult => {
  const base: ExecResult = { command, exitCode: 0, stdout: "", stderr: "", failed: false, timedOut: false };
  if (typeof answer === "string") return { ...base, stdout: answer };
  const r = { ...base, ...answer };
  // A partial answer that says failed without an exit code reads as "exit 1".
  return r.failed && answer?.exitCode === undefined ? { ...r, exitCode: 1 } : r;
};

/**
 * @example
 * const t = createTestContext({
 *   managers: [acmeManager],
 *   answer: (cmd) => (cmd === "acme-flash --query acme-bmc" ? "1.0.0\n" : undefined),
 *   inventory: { system_vendor: { ...testInventory().system_vendor, manufacturer: "Acme" } },
 * });
 * const { result, manager } = await t.dispatch("claims_firmware_component", { component: "acme-bmc", url, checksum });
 * expect(t.calls).toContain("acme-flash --query acme-bmc");
 */
export function createTestContext(options: TestContextOptions = {}): TestContext {
  const calls: string[] = [];
  const progress: Array<Record<string, unknown>> = [];
  const inner: Exec | null = options.exec === "real" ? createExec() : (options.exec ?? null);
  const exec: Exec = async (file, args, opts) => {
    const command = [file, ...args].join(" ");
    calls.push(command);
    if (inner) return inner(file, args, opts);
    return asResult(command, await options.answer?.(command, file, args));
  };
  const files = options.files;
  const fs: HostFs = files === "real" ? realHostFs : files && typeof (files as HostFs).text === "function" ? (files as HostFs) : createMemoryHostFs(files as Record<string, string>);
  const logger = options.logger ?? createSilentLogger();
  const inventory = testInventory(options.inventory);
  const base: ContextBase = {
    exec,
    fs,
    logger,
    config: Object.freeze({ ...TEST_CONFIG, ...options.config }),
    node: options.node ?? null,
    ports: options.ports ?? [],
    memory: options.memory ?? mapMemory(),
    signal: new AbortController().signal,
    inventory: async () => inventory,
    progress: (update) => void progress.push(update),
  };
  const registry = createManagerRegistry({ logger });
  for (const m of options.managers ?? []) registry.register(m);
  let ready: Promise<void> | null = null;
  const initialized = () => (ready ??= registry.initialize(base));
  // The context a manager sees: the registry's own (decline and fail throw as in the agent).
  const probe: HardwareManager = { name: "test_context", version: "0", evaluateSupport: () => 0 };
  const ctx: ManagerContext = {
    ...registry.contextFor(probe, base),
    async dispatch(operation, args) {
      await initialized();
      return (await registry.dispatch(operation, base, args)).result;
    },
  };
  return {
    ctx,
    base,
    calls,
    progress,
    fs,
    registry,
    async dispatch(operation, args) {
      await initialized();
      return registry.dispatch(operation, base, args);
    },
    async steps(kind) {
      await initialized();
      return Object.values(await registry.steps(kind, base, { node: {}, ports: [] })).flat();
    },
  };
}
