/**
 * @module conductor/errors
 * Every error the conductor raises, in one catalogue: a stable code, an HTTP status, and a
 * message builder. The API turns them into Ironic's error body; nothing else makes a 5xx.
 * Built with `common/error-catalogue.ts` like the agent's and the managers' catalogues; the
 * conductor's codes stay SCREAMING_CASE (they are its API's, unlike IPA's class names).
 */
import { isTeethError, type TeethError } from "../common/branded-error.ts";
import { defineErrorCatalogue, type ErrorSpec } from "../common/error-catalogue.ts";

type MessageArgs = Record<string, string | number>;

interface CatalogueEntry {
  status: number;
  message: (args: MessageArgs) => string;
}

/** The catalogue. Codes are stable; messages follow Ironic's wording where one exists. */
export const ERRORS = {
  NODE_NOT_FOUND: { status: 404, message: (a) => `Node ${a.node} could not be found.` },
  PORT_NOT_FOUND: { status: 404, message: (a) => `Port ${a.port} could not be found.` },
  INVENTORY_NOT_FOUND: { status: 404, message: (a) => `Inventory not found for node ${a.node}.` },
  NOT_FOUND: { status: 404, message: (a) => `The resource could not be found: ${a.path}` },
  METHOD_NOT_ALLOWED: { status: 405, message: (a) => `The method ${a.method} is not allowed for this resource.` },
  INVALID_PARAMETER: { status: 400, message: (a) => String(a.reason) },
  INVALID_BODY: { status: 400, message: (a) => `Invalid request body: ${a.reason}` },
  INVALID_STATE_REQUESTED: {
    status: 400,
    message: (a) =>
      `The requested action "${a.action}" can not be performed on node "${a.node}" while it is in state "${a.state}".`,
  },
  INVALID_STATE: { status: 409, message: (a) => String(a.reason) },
  NODE_LOCKED: {
    status: 409,
    message: (a) => `Node ${a.node} is locked by host ${a.host}, please retry after the current operation is completed.`,
  },
  DUPLICATE_NAME: { status: 409, message: (a) => `A node with name ${a.name} already exists.` },
  DUPLICATE_UUID: { status: 409, message: (a) => `A resource with UUID ${a.uuid} already exists.` },
  MAC_ALREADY_EXISTS: { status: 409, message: (a) => `A port with MAC address ${a.mac} already exists.` },
  NO_VALID_DRIVER: {
    status: 400,
    message: (a) => `No valid host was found. Reason: No conductor service registered which supports driver ${a.driver}.`,
  },
  VERSION_NOT_ACCEPTABLE: {
    status: 406,
    message: (a) => `Version ${a.version} was requested but the minor version is not supported by this service. The supported version range is: [${a.min}, ${a.max}].`,
  },
  // Ironic's NotAcceptable: a feature (soft power, timeout, ...) newer than the requested microversion.
  NOT_ACCEPTABLE: { status: 406, message: () => "Request not acceptable." },
  VERSION_REQUIRED: { status: 404, message: (a) => `API version ${a.version} or newer is required` },
  VERSION_INVALID: { status: 400, message: (a) => `Invalid value for X-OpenStack-Ironic-API-Version header: ${a.version}` },
  UNAUTHORIZED: { status: 401, message: () => "The request you have made requires authentication." },
  BODY_TOO_LARGE: { status: 413, message: (a) => `Request body is larger than ${a.limit} bytes.` },
  AGENT_TOKEN_INVALID: { status: 400, message: () => "Invalid or missing agent token received." },
  AGENT_URL_CHANGED: { status: 400, message: (a) => `Agent callback URL for node ${a.node} changed; a new one is refused until the agent is torn down.` },
  AGENT_CA_CHANGED: { status: 400, message: (a) => `Agent TLS certificate for node ${a.node} changed; refusing the heartbeat.` },
  CALLBACK_URL_INVALID: { status: 400, message: (a) => `An issue with the supplied "callback_url" has been detected: ${a.reason}.` },
  AGENT_TLS_REQUIRED: { status: 400, message: () => "Agent callback URL must use https when TLS is required." },
  NOT_WAITING_FOR_AGENT: { status: 409, message: (a) => `Node ${a.node} is in state ${a.state} and is not waiting for an agent.` },
  AGENT_COMMAND_FAILED: { status: 502, message: (a) => `Agent command ${a.command} failed: ${a.reason}` },
  AGENT_UNREACHABLE: { status: 502, message: (a) => `Agent at ${a.url} is unreachable: ${a.reason}` },
  AGENT_BUSY: { status: 409, message: () => "Agent is busy." },
  // A BMC (IPMI/Redfish) failed; raised by drivers, recorded in last_error by callers.
  BMC_AUTH_FAILED: { status: 502, message: (a) => `${a.driver} authentication failed for ${a.bmc}: ${a.reason}` },
  BMC_UNREACHABLE: { status: 502, message: (a) => `${a.driver} BMC ${a.bmc} is unreachable: ${a.reason}` },
  BMC_TIMEOUT: { status: 504, message: (a) => `${a.driver} BMC ${a.bmc} did not complete "${a.action}" within ${a.seconds} s${a.reason ? `: ${a.reason}` : ""}` },
  BMC_UNSUPPORTED: { status: 400, message: (a) => `${a.driver} BMC ${a.bmc} does not support ${a.what}` },
  BMC_ERROR: { status: 502, message: (a) => `${a.driver} call "${a.action}" to ${a.bmc} failed: ${a.reason}` },
  DRIVER_INFO_INVALID: { status: 400, message: (a) => `Invalid driver_info: ${a.reason}` },
  IMAGE_NOT_FOUND: { status: 400, message: (a) => `Image ${a.image} not found in the conductor's image directory.` },
  // The database could not be read or written (locked by another process, disk full, I/O
  // error): the request was not carried out; the API adds Retry-After.
  STORE_UNAVAILABLE: {
    status: 503,
    message: (a) => `The conductor's database is unavailable: ${a.reason}. The request was not carried out; retry in ${a.retry_after} s.`,
  },
  CONFIG_INVALID: { status: 500, message: (a) => `Invalid configuration: ${a.reason}` },
  INTERNAL: { status: 500, message: (a) => `Internal error: ${a.reason}` },
} satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERRORS;

/** The conductor's error: a branded TeethError whose code is in the catalogue. */
export type ConductorError = TeethError & { readonly code: ErrorCode };

/** Each entry as a common catalogue spec: the key is the code, the message args are the details. */
type Specs = { readonly [K in ErrorCode]: ErrorSpec<[args?: MessageArgs, cause?: unknown]> & { readonly code: K } };

function toSpecs(entries: Record<ErrorCode, CatalogueEntry>): Specs {
  const specs: Record<string, ErrorSpec<[args?: MessageArgs, cause?: unknown]>> = {};
  for (const [code, entry] of Object.entries(entries)) {
    specs[code] = {
      code,
      status: entry.status,
      message: (a = {}) => entry.message(a),
      details: (a = {}) => a,
      cause: (_a, cause) => cause,
    };
  }
  return specs as Specs;
}

/**
 * One factory per code, `codes` and `owns(error)`.
 * @example
 * throw ConductorErrors.NODE_NOT_FOUND({ node: "n1" });
 * if (ConductorErrors.owns(e)) ...
 */
export const ConductorErrors = defineErrorCatalogue(toSpecs(ERRORS));

/**
 * Creates a catalogued error.
 * @example
 * throw conductorError("NODE_NOT_FOUND", { node: "n1" }); // 404 "Node n1 could not be found."
 */
export function conductorError(code: ErrorCode, args: MessageArgs = {}, cause?: unknown): ConductorError {
  return ConductorErrors[code](args, cause) as ConductorError;
}

/** Maps anything thrown to (status, message); unknown errors are 500 and keep no detail. */
export function toHttpError(error: unknown): { status: number; message: string; code: string } {
  if (isTeethError(error)) return { status: error.status, message: error.message, code: error.code };
  return { status: 500, message: "Internal server error.", code: "INTERNAL" };
}
