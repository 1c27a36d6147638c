/**
 * @module hardware-managers/contract
 * The vendor-facing API. A hardware manager declares `name`, `version`, `evaluateSupport(ctx)`
 * and any subset of operations and steps. Everything it needs (exec, logger, inventory,
 * decline) comes through `ctx`: plugins are bundled separately and share nothing else with
 * the host, so this file imports types only.
 */
import type { Exec } from "../../common/exec.ts";
import type { Logger } from "../../common/logger.ts";
import type { Inventory } from "../../protocol/inventory.ts";
import type { StepDefinitionInput, StepKind } from "../../protocol/steps.ts";

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

/** What the host hands to every manager call. */
export interface ManagerContext {
  readonly exec: Exec;
  readonly logger: Logger;
  readonly config: ManagerConfig;
  /** The node as the conductor last described it (step params or lookup), or null. */
  readonly node: Readonly<Record<string, unknown>> | null;
  readonly ports: ReadonlyArray<Readonly<Record<string, unknown>>>;
  /** Aborted when the running command is aborted or the agent shuts down. */
  readonly signal: AbortSignal;
  /** The hardware inventory (collected once, cached; `refresh` re-collects). */
  inventory(options?: { refresh?: boolean }): Promise<Inventory>;
  /** Reports progress of a long operation; shown in the command's `command_result` while RUNNING. */
  progress(update: Record<string, unknown>): void;
  /** Calls another operation through the registry (e.g. `write_image` -> `prepare_image`). */
  dispatch(operation: string, args?: Record<string, unknown>): Promise<unknown>;
  /** "Not on this hardware": the registry moves on to the next manager. Never returns. */
  decline(reason?: string): never;
  /** Fails the operation with a stable code and details, recognised across bundles. Never returns. */
  fail(code: string, message: string, details?: unknown): never;
}

/** An operation: step, command or query. `args` are the step's or command's arguments. */
export type Operation = (ctx: ManagerContext, args: Record<string, unknown>) => unknown | Promise<unknown>;

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
  readonly operations?: Readonly<Record<string, Operation>>;
}

export const HARDWARE_MANAGER = Symbol.for("teeth.hardware-manager");

/**
 * Declares a hardware manager. Returns it frozen and branded so the agent can recognise it
 * when a plugin file is loaded at runtime.
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
  return Object.freeze({ ...manager, [HARDWARE_MANAGER]: true }) as Readonly<T>;
}

/** Step kinds map to manager fields. */
export const STEP_FIELDS: Record<StepKind, "cleanSteps" | "deploySteps" | "serviceSteps"> = {
  clean: "cleanSteps",
  deploy: "deploySteps",
  service: "serviceSteps",
};

/** Brand of the error `ctx.decline()` throws. */
export const DECLINED = Symbol.for("teeth.hardware-manager.declined");

export function isDeclined(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[DECLINED] === true;
}
