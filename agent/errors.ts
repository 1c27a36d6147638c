/**
 * @module agent/errors
 * Every error the agent reports, with a stable code and HTTP status, named as IPA names them
 * (Ironic matches some of these strings, e.g. "Agent is busy").
 */
import { TeethError, isTeethError } from "../common/branded-error.ts";
import type { CommandError } from "../protocol/agent-commands.ts";

export const AgentErrors = {
  invalidCommandName: () =>
    new TeethError("InvalidCommandError", "Command name must be of the form <extension>.<name>", { status: 400 }),
  unknownCommand: (command: string) =>
    new TeethError("InvalidCommandError", `Unknown command: ${command}`, { status: 400 }),
  unknownExtension: (extension: string) =>
    new TeethError("RequestedObjectNotFoundError", `Extension with id ${extension} not found.`, { status: 404 }),
  resultNotFound: (id: string) =>
    new TeethError("RequestedObjectNotFoundError", `Command Result with id ${id} not found.`, { status: 404 }),
  badBody: (why: string) => new TeethError("InvalidContentError", `Missing or invalid name or params: ${why}`, { status: 400 }),
  invalidParams: (command: string, why: string) =>
    new TeethError("InvalidCommandParamsError", `Invalid command parameters for ${command}: ${why}`, { status: 400 }),
  busy: (running: string) =>
    new TeethError("AgentIsBusy", `Agent is busy: command ${running} is still running`, { status: 409 }),
  tokenInvalid: () => new TeethError("Unauthorized", "Token invalid.", { status: 401 }),
  notFound: (path: string) => new TeethError("NotFound", `The resource could not be found: ${path}`, { status: 404 }),
  methodNotAllowed: (method: string) => new TeethError("MethodNotAllowed", `Method ${method} not allowed`, { status: 405 }),
  bodyTooLarge: (limit: number) =>
    new TeethError("RequestEntityTooLarge", `Request body larger than ${limit} bytes`, { status: 413 }),
  versionMismatch: (actual: unknown, expected: unknown) =>
    new TeethError("VersionMismatch", "Hardware managers version mismatch, reload agent with correct version", {
      status: 409,
      details: `Current versions: ${JSON.stringify(actual)}, Expected versions: ${JSON.stringify(expected)}`,
    }),
  lockedDown: () => new TeethError("LockedDown", "The agent is locked down", { status: 503 }),
};

/**
 * Serialises any thrown value as IPA's RESTError dict. `details` is always a string, as IPA's:
 * Ironic copies it into the node's `last_error`, so it must read well (structured details of
 * an error go to the agent's log instead). Unknown errors become `CommandExecutionError` (code
 * 500) with the message as details, as IPA does.
 */
export function serializeCommandError(error: unknown): CommandError {
  if (isTeethError(error)) {
    const details = typeof error.details === "string" && error.details ? error.details : error.message;
    return { type: error.code, code: error.status, message: error.message, details };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { type: "CommandExecutionError", code: 500, message: "Command execution failed", details: message };
}
