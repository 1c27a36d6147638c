/**
 * @module agent/errors
 * Every error the agent reports, with a stable code and HTTP status, named as IPA names them
 * (Ironic matches some of these strings, e.g. "Agent is busy").
 */
import { isTeethError } from "../common/branded-error.ts";
import { defineErrorCatalogue, type ErrorSpecs } from "../common/error-catalogue.ts";
import type { CommandError } from "../protocol/agent-commands.ts";

/** The catalogue; `AgentErrors.codes` holds the codes for comparisons. */
export const AgentErrors = defineErrorCatalogue({
  invalidCommandName: { code: "InvalidCommandError", status: 400, message: () => "Command name must be of the form <extension>.<name>" },
  unknownCommand: { code: "InvalidCommandError", status: 400, message: (command: string) => `Unknown command: ${command}` },
  unknownExtension: {
    code: "RequestedObjectNotFoundError",
    status: 404,
    message: (extension: string) => `Extension with id ${extension} not found.`,
  },
  resultNotFound: { code: "RequestedObjectNotFoundError", status: 404, message: (id: string) => `Command Result with id ${id} not found.` },
  badBody: { code: "InvalidContentError", status: 400, message: (why: string) => `Missing or invalid name or params: ${why}` },
  invalidParams: {
    code: "InvalidCommandParamsError",
    status: 400,
    message: (command: string, why: string) => `Invalid command parameters for ${command}: ${why}`,
  },
  busy: { code: "AgentIsBusy", status: 409, message: (running: string) => `Agent is busy: command ${running} is still running` },
  tokenInvalid: { code: "Unauthorized", status: 401, message: () => "Token invalid." },
  notFound: { code: "NotFound", status: 404, message: (path: string) => `The resource could not be found: ${path}` },
  methodNotAllowed: { code: "MethodNotAllowed", status: 405, message: (method: string) => `Method ${method} not allowed` },
  bodyTooLarge: { code: "RequestEntityTooLarge", status: 413, message: (limit: number) => `Request body larger than ${limit} bytes` },
  versionMismatch: {
    code: "VersionMismatch",
    status: 409,
    message: (_actual: unknown, _expected: unknown) => "Hardware managers version mismatch, reload agent with correct version",
    details: (actual: unknown, expected: unknown) =>
      `Current versions: ${JSON.stringify(actual)}, Expected versions: ${JSON.stringify(expected)}`,
  },
  lockedDown: { code: "LockedDown", status: 503, message: () => "The agent is locked down" },
} satisfies ErrorSpecs);

/** IPA's type for a command that failed with an error the agent did not catalogue. */
export const COMMAND_EXECUTION_ERROR = "CommandExecutionError";

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
  return { type: COMMAND_EXECUTION_ERROR, code: 500, message: "Command execution failed", details: message };
}
