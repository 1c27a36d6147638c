/**
 * @module hardware-managers/contract
 * The vendor-facing API. A hardware manager declares `name`, `version`, `evaluateSupport(ctx)`
 * and any subset of operations and steps. Everything it needs (exec, files, logger,
 * inventory, decline) comes through `ctx`: plugins are bundled separately and share nothing
 * else with the host, so this file and the ones it re-exports import types only, and their
 * runtime part (`HardwareSupport`, `defineHardwareManager`, `imageResultLine`, name
 * constants) is dependency-free. The test kit is apart, in `./testing.ts`.
 */
import type { Exec } from "../../common/exec.ts";
import type { Logger } from "../../common/logger.ts";
import type { HostFs } from "../../machine/host-fs.ts";
import type { Inventory } from "../../protocol/inventory.ts";
import type { StepDefinitionInput } from "../../protocol/steps.ts";
import type { ArgsOf, KnownOperation, OperationTypes, ResultOf } from "./operations.ts";

export * from "./operations.ts";
export * from "./firmware-component.ts";
export type { HostFs } from "../../machine/host-fs.ts";

/**
 * The code `ctx.dispatch` fails with when no manager implements the operation (or every one
 * declined): IPA's `HardwareManagerMethodNotFound`.
 */
export const NO_MANAGER_FOUND = "HardwareManagerMethodNotFound" as const;

/** How well a manager fits this machine. Higher wins; NONE drops the manager. */
export const HardwareSupport = Object.freeze({
  NONE: 0,
  GENERIC: 1,
  MAINLINE: 2,
  /** IPA calls this SERVICE_PROVIDER; third-party managers should use at least this. */
  VENDOR: 3,
} as const);
export type SupportLevel = number;

/** Agent settings a manager may consult. Frozen. */
export interface ManagerConfig {
  readonly allowLoopDevices: boolean;
  readonly simulatePower: boolean;
  readonly insecure: boolean;
  readonly md5Allowed: boolean;
  /** The conductor's `permitted_image_formats` (null: IPA's default, raw, gpt, qcow2, iso). */
  readonly permittedImageFormats?: readonly string[] | null;
  /** `ipa-guard-special-filesystems`: refuse to erase GPFS/VMFS/gfs2 unless the node allows it. */
  readonly guardSpecialFilesystems?: boolean;
  readonly imageDownload: {
    readonly connectionTimeoutS: number;
    readonly connectionRetries: number;
    readonly retryIntervalS: number;
    readonly maxDurationS: number;
  };
}

/**
 * What the agent remembers between commands for as long as it runs (IPA keeps such things as
 * extension attributes, e.g. standby's `cached_image_id`): gone when the agent restarts,
 * never sent anywhere. Keys are the manager's own; the generic manager uses `generic.*`.
 */
export interface AgentMemory {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  delete(key: string): void;
}

/** What the host hands to every manager call. */
export interface ManagerContext {
  readonly exec: Exec;
  /** The host's files (/sys, /proc, block devices), rooted so tests can fake them. */
  readonly fs: HostFs;
  readonly logger: Logger;
  readonly config: ManagerConfig;
  /** The node as the conductor last described it (step params or lookup), or null. */
  readonly node: Readonly<Record<string, unknown>> | null;
  readonly ports: ReadonlyArray<Readonly<Record<string, unknown>>>;
  /** Per-agent memory shared by every command (see `AgentMemory`). */
  readonly memory: AgentMemory;
  /** Aborted when the running command is aborted or the agent shuts down. */
  readonly signal: AbortSignal;
  /** The hardware inventory (collected once, cached; `refresh` re-collects). */
  inventory(options?: { refresh?: boolean }): Promise<Inventory>;
  /** Reports progress of a long operation; shown in the command's `command_result` while RUNNING. */
  progress(update: Record<string, unknown>): void;
  /** Calls another operation through the registry (e.g. `write_image` -> `prepare_image`); resolves with its result. */
  dispatch<K extends string>(operation: K, args?: ArgsOf<K>): Promise<ResultOf<K>>;
  /** "Not on this hardware": the registry moves on to the next manager. Never returns. */
  decline(reason?: string): never;
  /** Fails the operation with a stable code and details, recognised across bundles. Never returns. */
  fail(code: string, message: string, details?: unknown): never;
}

/**
 * An operation: step, command or query. `args` are the step's or command's arguments.
 * (Declared as a method so a typed operation is assignable to an untyped one.)
 */
export type Operation<A = Record<string, unknown>, R = unknown> = {
  run(ctx: ManagerContext, args: A): R | Promise<R>;
}["run"];

/**
 * A manager's operations: the known ones typed (see `OperationTypes`), any other name allowed
 * (a vendor's own step) but warned about when the plugin loads.
 */
export type Operations = { readonly [K in KnownOperation]?: Operation<OperationTypes[K]["args"], OperationTypes[K]["result"]> } & {
  readonly [name: string]: Operation | undefined;
};

export interface StepsInput {
  readonly node: Readonly<Record<string, unknown>>;
  readonly ports: ReadonlyArray<Readonly<Record<string, unknown>>>;
}
/** Steps a manager offers; `reboot_requested`, `abortable`, `argsinfo` default to false/false/null. */
export type StepSource =
  | readonly StepDefinitionInput[]
  | ((ctx: ManagerContext, input: StepsInput) => StepDefinitionInput[] | Promise<StepDefinitionInput[]>);

/** What a vendor writes. */
export interface HardwareManager {
  /** Stable name; reported in `hardware_manager_version` and step results. */
  readonly name: string;
  readonly version: string;
  evaluateSupport(ctx: ManagerContext): SupportLevel | Promise<SupportLevel>;
  initialize?(ctx: ManagerContext): void | Promise<void>;
  readonly cleanSteps?: StepSource;
  readonly deploySteps?: StepSource;
  readonly serviceSteps?: StepSource;
  /**
   * Operations by IPA name, snake_case: step names (`erase_devices`, `write_image`, ...),
   * commands (`prepare_image`, `secure_erase`, `flash_firmware`) and queries
   * (`list_hardware_info`, `get_os_install_device`).
   */
  readonly operations?: Operations;
}

/**
 * Declares a hardware manager: checks its shape with `tsc` (operation names complete, known
 * operations' arguments and results typed) and returns it frozen. The agent recognises a
 * plugin's managers by shape (`name`, `version`, `evaluateSupport`), so a plain object works too.
 * @example
 * export default defineHardwareManager({
 *   name: "acme_hardware_manager",
 *   version: "1.0",
 *   async evaluateSupport(ctx) {
 *     const inv = await ctx.inventory();
 *     return inv.system_vendor.manufacturer === "Acme" ? HardwareSupport.VENDOR : HardwareSupport.NONE;
 *   },
 *   operations: { flash_firmware: async (ctx, args) => { ... } },
 * });
 */
export function defineHardwareManager<T extends HardwareManager>(manager: T): Readonly<T> {
  return Object.freeze({ ...manager });
}
