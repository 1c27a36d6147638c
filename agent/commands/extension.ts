/**
 * @module agent/commands/extension
 * How an extension declares its commands: a zod schema for params, sync or async, and a run
 * function. IPA's `@sync_command` / `@async_command`, typed.
 */
import type { z } from "zod";

/** What a running command may use besides its params. */
export interface CommandContext {
  /** Replaces the running command's `command_result` (progress while RUNNING). */
  progress(update: Record<string, unknown>): void;
  readonly signal: AbortSignal;
}

export interface CommandDefinition<S extends z.ZodType = z.ZodType> {
  /** Async commands return RUNNING at once and finish in the background. */
  readonly async: boolean;
  readonly params: S;
  run(params: z.output<S>, ctx: CommandContext): Promise<unknown> | unknown;
  /** Runs after the result is recorded (e.g. power off once `power_off` has answered). */
  after?(outcome: { succeeded: boolean }): void | Promise<void>;
}

export interface Extension {
  readonly name: string;
  readonly commands: Readonly<Record<string, CommandDefinition>>;
}

/**
 * @example
 * defineCommand({ async: false, params: z.object({}), run: () => ({ ok: true }) })
 */
export function defineCommand<S extends z.ZodType>(definition: CommandDefinition<S>): CommandDefinition {
  return definition as unknown as CommandDefinition;
}

export function defineExtension(name: string, commands: Record<string, CommandDefinition>): Extension {
  return Object.freeze({ name, commands: Object.freeze({ ...commands }) });
}
