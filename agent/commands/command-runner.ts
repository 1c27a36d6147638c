/**
 * @module agent/commands/command-runner
 * Runs commands one at a time and keeps their results, as IPA's ExecuteCommandMixin does:
 * `POST /v1/commands` creates a result; async ones run in the background and are polled.
 */
import { hasCode } from "../../common/error-catalogue.ts";
import { describeZodError } from "../../common/zod-issues.ts";
import { randomUUID } from "node:crypto";
import type { Logger } from "../../common/logger.ts";
import type { CommandResult, CommandStatus } from "../../protocol/agent-commands.ts";
import { AgentErrors, serializeCommandError } from "../errors.ts";
import type { Extension } from "./extension.ts";

/** Result record; `done` settles when the command finishes (for `?wait=true`). */
interface Entry {
  result: CommandResult;
  done: Promise<void>;
}

/** A command's live result and a way to wait for its end. */
export interface CommandHandle {
  readonly result: CommandResult;
  wait(): Promise<CommandResult>;
}

export interface CommandRunner {
  /** Validates and starts a command. Throws TeethError (4xx) for bad requests and when busy. */
  execute(name: string, params: Record<string, unknown>): Promise<CommandHandle>;
  list(): CommandResult[];
  get(id: string): CommandHandle | undefined;
  /** True while some command is RUNNING. */
  busy(): boolean;
}

export interface CommandRunnerOptions {
  extensions: readonly Extension[];
  logger: Logger;
  /** Called when an async command ends (the agent forces a heartbeat). */
  onAsyncDone?(result: CommandResult): void;
  /** Results kept; older ones are forgotten so memory stays bounded. */
  maxResults?: number;
}

/** A version mismatch ends the command as CLEAN_VERSION_MISMATCH instead of FAILED, as IPA's. */
function statusFor(error: unknown): CommandStatus {
  return hasCode(error, AgentErrors.codes.versionMismatch) ? "CLEAN_VERSION_MISMATCH" : "FAILED";
}

/** IPA wraps string results: `{"result": "<command>: <text>"}` (async) or `{"result": text}` (sync). */
function wrapResult(value: unknown, command: string, isAsync: boolean): unknown {
  if (value === undefined) return null;
  if (typeof value === "string") return { result: isAsync ? `${command}: ${value}` : value };
  return value;
}

/**
 * @example
 * const runner = createCommandRunner({ extensions: [standby, clean], logger });
 * const r = await runner.execute("clean.get_clean_steps", { node, ports });
 */
export function createCommandRunner(options: CommandRunnerOptions): CommandRunner {
  const byName = new Map(options.extensions.map((e) => [e.name, e]));
  const entries = new Map<string, Entry>();
  const order: string[] = [];
  const max = options.maxResults ?? 100;
  let running: Entry | null = null;

  const remember = (entry: Entry) => {
    entries.set(entry.result.id, entry);
    order.push(entry.result.id);
    while (order.length > max) {
      const old = order.shift()!;
      if (entries.get(old) !== running) entries.delete(old);
    }
  };

  return {
    busy: () => running?.result.command_status === "RUNNING",

    async execute(name, params) {
      const dot = name.indexOf(".");
      if (dot <= 0 || dot === name.length - 1) throw AgentErrors.invalidCommandName();
      const extName = name.slice(0, dot);
      const cmdName = name.slice(dot + 1);
      const ext = byName.get(extName);
      if (!ext) throw AgentErrors.unknownExtension(extName);
      const def = Object.hasOwn(ext.commands, cmdName) ? ext.commands[cmdName] : undefined;
      if (!def) throw AgentErrors.unknownCommand(cmdName);
      if (running && running.result.command_status === "RUNNING") throw AgentErrors.busy(running.result.command_name);
      const parsed = def.params.safeParse(params);
      if (!parsed.success) {
        throw AgentErrors.invalidParams(name, describeZodError(parsed.error, { root: "params" }));
      }

      const result: CommandResult = {
        id: randomUUID(),
        command_name: cmdName,
        command_status: "RUNNING",
        command_error: null,
        command_result: null,
      };
      const controller = new AbortController();
      const log = options.logger.child({ command: name, command_id: result.id });
      const ctx = {
        signal: controller.signal,
        progress: (update: Record<string, unknown>) => {
          if (result.command_status === "RUNNING") result.command_result = { ...update };
        },
      };
      let settle!: () => void;
      const entry: Entry = { result, done: new Promise<void>((r) => (settle = r)) };
      remember(entry);
      running = entry;
      log.info({ async: def.async }, "command started");
      const started = performance.now();

      const finish = async () => {
        try {
          const value = await def.run(parsed.data, ctx);
          result.command_result = wrapResult(value, cmdName, def.async);
          result.command_status = "SUCCEEDED";
          log.info({ duration_ms: Math.round(performance.now() - started) }, "command succeeded");
        } catch (error) {
          result.command_status = statusFor(error);
          result.command_error = serializeCommandError(error);
          result.command_result = null;
          log.error({ err: error, duration_ms: Math.round(performance.now() - started) }, "command failed");
        } finally {
          if (running === entry) running = null;
          settle();
        }
        if (def.after) {
          try {
            await def.after({ succeeded: result.command_status === "SUCCEEDED" });
          } catch (error) {
            log.error({ err: error }, "command after-hook failed");
          }
        }
        if (def.async) options.onAsyncDone?.(result);
      };

      const wait = async () => {
        await entry.done;
        return result;
      };
      const work = finish();
      if (!def.async) await work;
      else work.catch(() => {});
      return { result, wait };
    },

    list: () => order.map((id) => entries.get(id)?.result).filter((r): r is CommandResult => Boolean(r)),

    get(id) {
      const entry = entries.get(id);
      if (!entry) return undefined;
      return { result: entry.result, wait: async () => (await entry.done, entry.result) };
    },
  };
}
