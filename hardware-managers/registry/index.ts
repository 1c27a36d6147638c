/**
 * @module hardware-managers/registry
 * Scores managers once, drops NONE, sorts by support (ties: registration order), and
 * dispatches each operation to the first manager that implements it and does not decline.
 */
import { TeethError, isTeethError } from "../../common/branded-error.ts";
import type { Logger } from "../../common/logger.ts";
import { StepDefinitionSchema, type StepDefinition, type StepDefinitionInput, type StepKind } from "../../protocol/steps.ts";
import { defineErrorCatalogue, type ErrorSpecs } from "../../common/error-catalogue.ts";
import {
  NO_MANAGER_FOUND,
  HardwareSupport,
  type ArgsOf,
  type HardwareManager,
  type ManagerContext,
  type Operation,
  type ResultOf,
  type StepsInput,
} from "../contract/index.ts";

/** Step kinds map to manager fields. */
const STEP_FIELDS: Record<StepKind, "cleanSteps" | "deploySteps" | "serviceSteps"> = {
  clean: "cleanSteps",
  deploy: "deploySteps",
  service: "serviceSteps",
};

/** Brand of the error `ctx.decline()` throws (a `Symbol.for`, so a plugin's copy of the registry agrees). */
const DECLINED = Symbol.for("teeth.hardware-manager.declined");

/** True for the error `ctx.decline()` threw (tests assert it through the contract's test kit). */
export function isDeclined(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[DECLINED] === true;
}

const operationOf = (manager: HardwareManager, operation: string): Operation | undefined => {
  const fn = manager.operations?.[operation];
  return typeof fn === "function" ? (fn as Operation) : undefined;
};

export interface RankedManager {
  readonly manager: HardwareManager;
  readonly support: number;
}

/** Everything of the context except what the registry itself supplies. */
export type ContextBase = Omit<ManagerContext, "decline" | "fail" | "dispatch">;

export interface DispatchResult<T = unknown> {
  result: T;
  manager: string;
}

export interface ManagerRegistry {
  register(manager: HardwareManager): void;
  /** Scores every registered manager once; later calls are no-ops. */
  initialize(ctx: ContextBase): Promise<void>;
  ranked(): readonly RankedManager[];
  /** `{ name: version }` of every active manager, IPA's `hardware_manager_version`. */
  versions(): Record<string, string>;
  dispatch<K extends string>(operation: K, ctx: ContextBase, args?: ArgsOf<K>): Promise<DispatchResult<ResultOf<K>>>;
  /** Calls every manager implementing `operation`; `{ managerName: result }`. */
  dispatchAll(operation: string, ctx: ContextBase, args?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Steps of a kind, deduplicated as IPA does; keyed by manager name. */
  steps(kind: StepKind, ctx: ContextBase, input: StepsInput): Promise<Record<string, StepDefinition[]>>;
  /** True when some active manager implements the operation. */
  has(operation: string): boolean;
  /** The context `manager`'s operations receive (its logger tagged, decline/fail/dispatch bound). */
  contextFor(manager: HardwareManager, base: ContextBase): ManagerContext;
}

/** The errors the registry raises. */
export const RegistryErrors = defineErrorCatalogue({
  notFound: {
    code: NO_MANAGER_FOUND,
    status: 400,
    message: (operation: string) => `No HardwareManager found to handle method: ${operation}`,
    details: (operation: string) => ({ operation }),
  },
  stepsFailed: {
    code: "HardwareManagerError",
    status: 500,
    message: (manager: string, kind: StepKind, _cause: unknown) => `${manager} failed to list ${kind} steps`,
    cause: (_manager: string, _kind: StepKind, cause: unknown) => cause,
  },
} satisfies ErrorSpecs);

function declinedError(manager: string, reason?: string): Error {
  const e = new Error(reason ?? `${manager} declined`) as Error & Record<symbol, unknown>;
  e[DECLINED] = true;
  return e;
}

/**
 * @example
 * const registry = createManagerRegistry({ logger });
 * registry.register(genericManager);
 * await registry.initialize(ctxBase);
 * const { result, manager } = await registry.dispatch("erase_devices_metadata", ctxBase, {});
 */
export function createManagerRegistry(options: { logger: Logger }): ManagerRegistry {
  const registered: HardwareManager[] = [];
  let active: RankedManager[] | null = null;

  const contextFor = (manager: HardwareManager, base: ContextBase): ManagerContext => {
    const ctx: ManagerContext = {
      ...base,
      logger: base.logger.child({ hardware_manager: manager.name }),
      decline(reason?: string): never {
        throw declinedError(manager.name, reason);
      },
      fail(code: string, message: string, details?: unknown): never {
        throw new TeethError(code, message, { status: 500, details });
      },
      dispatch: async (operation, args) => (await registry.dispatch(operation, base, args)).result,
    };
    return ctx;
  };

  const requireActive = (): RankedManager[] => {
    if (!active) throw new Error("hardware manager registry used before initialize()");
    return active;
  };

  const registry: ManagerRegistry = {
    register(manager) {
      if (active) throw new Error("register() after initialize()");
      if (registered.some((m) => m.name === manager.name)) {
        options.logger.warn({ manager: manager.name }, "hardware manager registered twice; keeping the first");
        return;
      }
      registered.push(manager);
    },

    async initialize(base) {
      if (active) return;
      const scored: Array<RankedManager & { order: number }> = [];
      for (const [order, manager] of registered.entries()) {
        let support: number = HardwareSupport.NONE;
        try {
          support = Number(await manager.evaluateSupport(contextFor(manager, base))) || 0;
        } catch (error) {
          options.logger.error({ err: error, manager: manager.name }, "evaluateSupport failed; manager skipped");
          continue;
        }
        if (support <= HardwareSupport.NONE) {
          options.logger.info({ manager: manager.name }, "hardware manager does not support this machine");
          continue;
        }
        scored.push({ manager, support, order });
      }
      scored.sort((a, b) => b.support - a.support || a.order - b.order);
      active = scored.map(({ manager, support }) => ({ manager, support }));
      for (const { manager } of active) {
        if (!manager.initialize) continue;
        try {
          await manager.initialize(contextFor(manager, base));
        } catch (error) {
          options.logger.error({ err: error, manager: manager.name }, "hardware manager initialize failed");
        }
      }
      options.logger.info(
        { managers: active.map((r) => ({ name: r.manager.name, version: r.manager.version, support: r.support })) },
        "hardware managers ready",
      );
    },

    ranked: () => requireActive(),

    contextFor: (manager, base) => contextFor(manager, base),

    versions() {
      return Object.fromEntries(requireActive().map(({ manager }) => [manager.name, manager.version]));
    },

    has(operation) {
      return requireActive().some(({ manager }) => operationOf(manager, operation) !== undefined);
    },

    async dispatch<K extends string>(operation: K, base: ContextBase, args?: ArgsOf<K>) {
      for (const { manager } of requireActive()) {
        const fn = operationOf(manager, operation);
        if (!fn) continue;
        try {
          const result = (await fn(contextFor(manager, base), (args ?? {}) as Record<string, unknown>)) as ResultOf<K>;
          return { result, manager: manager.name };
        } catch (error) {
          if (isDeclined(error)) {
            base.logger.debug({ manager: manager.name, operation, reason: (error as Error).message }, "declined");
            continue;
          }
          throw error;
        }
      }
      throw RegistryErrors.notFound(operation);
    },

    async dispatchAll(operation, base, args = {}) {
      const results: Record<string, unknown> = {};
      for (const { manager } of requireActive()) {
        const fn = operationOf(manager, operation);
        if (!fn) continue;
        try {
          results[manager.name] = await fn(contextFor(manager, base), args);
        } catch (error) {
          if (isDeclined(error)) continue;
          throw error;
        }
      }
      if (Object.keys(results).length === 0) throw RegistryErrors.notFound(operation);
      return results;
    },

    async steps(kind, base, input) {
      const field = STEP_FIELDS[kind];
      // Best candidate per step name: higher support, then higher priority (IPA deduplicate_steps).
      const best = new Map<string, { manager: string; support: number; step: StepDefinition }>();
      for (const { manager, support } of requireActive()) {
        const source = manager[field];
        if (!source) continue;
        let list: readonly StepDefinitionInput[];
        try {
          list = typeof source === "function" ? await source(contextFor(manager, base), input) : source;
        } catch (error) {
          if (isDeclined(error)) continue;
          if (isTeethError(error)) throw error;
          throw RegistryErrors.stepsFailed(manager.name, kind, error);
        }
        for (const raw of list) {
          // Vendor steps are validated here, so a malformed one is skipped with a reason, not sent.
          const parsed = StepDefinitionSchema.safeParse({ argsinfo: null, ...raw });
          if (!parsed.success) {
            base.logger.error({ manager: manager.name, step: raw, issues: parsed.error.issues }, "invalid step skipped");
            continue;
          }
          const step = parsed.data;
          const seen = best.get(step.step);
          if (!seen || support > seen.support || (support === seen.support && step.priority > seen.step.priority)) {
            best.set(step.step, { manager: manager.name, support, step });
          }
        }
      }
      const byManager: Record<string, StepDefinition[]> = {};
      for (const { manager } of requireActive()) byManager[manager.name] = [];
      for (const { manager, step } of best.values()) byManager[manager]!.push(step);
      for (const name of Object.keys(byManager)) byManager[name]!.sort((a, b) => a.step.localeCompare(b.step));
      return byManager;
    },
  };
  return registry;
}
