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
  // A create with a UUID in use, named as Ironic's <Resource>AlreadyExists ("A chassis with UUID ...").
  RESOURCE_UUID_EXISTS: { status: 409, message: (a) => `${a.what} with UUID ${a.uuid} already exists.` },
  // candidate_nodes naming nodes that do not exist (Ironic's check_node_list).
  NODES_NOT_FOUND: { status: 400, message: (a) => `Nodes cannot be found: ${a.nodes}` },
  CHASSIS_NOT_FOUND: { status: 404, message: (a) => `Chassis ${a.chassis} could not be found.` },
  // A node names a chassis that does not exist: Ironic's ChassisNotFound, as a 400.
  CHASSIS_REFERENCE_NOT_FOUND: { status: 400, message: (a) => `Chassis ${a.chassis} could not be found.` },
  CHASSIS_NOT_EMPTY: { status: 400, message: (a) => `Cannot complete the requested action because chassis ${a.chassis} contains nodes.` },
  PORTGROUP_NOT_FOUND: { status: 404, message: (a) => `Portgroup ${a.portgroup} could not be found.` },
  PORTGROUP_NOT_EMPTY: { status: 400, message: (a) => `Cannot complete the requested action because portgroup ${a.portgroup} contains ports.` },
  PORTGROUP_DUPLICATE_NAME: { status: 409, message: (a) => `A portgroup with name ${a.name} already exists.` },
  PORTGROUP_MAC_EXISTS: { status: 409, message: (a) => `A portgroup with MAC address ${a.mac} already exists.` },
  ALLOCATION_NOT_FOUND: { status: 404, message: (a) => String(a.reason ?? `Allocation ${a.allocation} could not be found.`) },
  ALLOCATION_DUPLICATE_NAME: { status: 409, message: (a) => `An allocation with name ${a.name} already exists.` },
  DEPLOY_TEMPLATE_NOT_FOUND: { status: 404, message: (a) => `Deploy template ${a.template} could not be found.` },
  DEPLOY_TEMPLATE_DUPLICATE_NAME: { status: 409, message: (a) => `A deploy template with name ${a.name} already exists.` },
  DEPLOY_TEMPLATE_INVALID: { status: 400, message: (a) => `Deploy template invalid: ${a.err}.` },
  VOLUME_CONNECTOR_NOT_FOUND: { status: 404, message: (a) => `Volume connector ${a.connector} could not be found.` },
  VOLUME_CONNECTOR_EXISTS: { status: 409, message: (a) => `A volume connector with type ${a.type} and connector ID ${a.connector_id} already exists.` },
  VOLUME_TARGET_NOT_FOUND: { status: 404, message: (a) => `Volume target ${a.target} could not be found.` },
  VOLUME_TARGET_BOOT_INDEX_EXISTS: { status: 409, message: (a) => `A volume target with boot index '${a.boot_index}' for the same node already exists.` },
  CONDUCTOR_NOT_FOUND: { status: 404, message: (a) => `Conductor ${a.conductor} could not be found.` },
  // Ironic's NodeNotFound re-coded 400: a body names a node that does not exist.
  NODE_REFERENCE_NOT_FOUND: { status: 400, message: (a) => `Node ${a.node} could not be found.` },
  // A collection newer than the requested microversion: Ironic's plain 404 ("Resource could not be found.") or 405 for writes.
  RESOURCE_VERSION_NOT_FOUND: { status: 404, message: (a) => String(a.reason ?? "Resource could not be found.") },
  RESOURCE_VERSION_NOT_ALLOWED: { status: 405, message: (a) => String(a.reason) },
  INVENTORY_NOT_FOUND: { status: 404, message: (a) => `Inventory not found for node ${a.node}.` },
  NOT_FOUND: { status: 404, message: (a) => `The resource could not be found: ${a.path}` },
  TRAIT_NOT_FOUND: { status: 404, message: (a) => `Node ${a.node} doesn't have a trait '${a.trait}'` },
  HISTORY_NOT_FOUND: { status: 404, message: (a) => `Node history record ${a.history} could not be found.` },
  BIOS_SETTING_NOT_FOUND: { status: 404, message: (a) => `Node ${a.node} doesn't have a BIOS setting '${a.name}'` },
  // A node interface that is `no-*` (no-raid, no-vendor, no-console, no-rescue...): Ironic's
  // UnsupportedDriverExtension, 400 (the RAID endpoint answers it as 404, as Ironic does).
  UNSUPPORTED_DRIVER_EXTENSION: { status: 400, message: (a) => `Driver ${a.driver} does not support ${a.extension} (disabled or not implemented).` },
  // Ironic turns it into a 404 for RAID: "RAID is a standard interface and all drivers might not have it".
  RAID_UNSUPPORTED: { status: 404, message: (a) => `Driver ${a.driver} does not support raid (disabled or not implemented).` },
  // Ironic's answer for a driver's vendor_passthru of an unknown driver (its API layer's wording).
  DRIVER_UNKNOWN: { status: 404, message: (a) => `The driver '${a.driver}' is unknown.` },
  VENDOR_METHOD_UNSUPPORTED: { status: 400, message: (a) => `No handler for method ${a.method}` },
  MISSING_PARAMETER: { status: 400, message: (a) => `Missing mandatory parameter: ${a.name}` },
  NODE_IN_MAINTENANCE: { status: 400, message: (a) => `The ${a.op} operation can't be performed on node ${a.node} because it's in maintenance mode.` },
  NO_FREE_PORTS: { status: 400, message: (a) => `Unable to attach VIF ${a.vif}, not enough free physical ports.` },
  VIF_ALREADY_ATTACHED: { status: 409, message: (a) => `Unable to attach VIF because VIF ${a.vif} is already attached to Ironic Port ${a.port}` },
  VIF_NOT_ATTACHED: { status: 400, message: (a) => `Unable to detach VIF ${a.vif} from node ${a.node} because it is not attached to it.` },
  METHOD_NOT_ALLOWED: { status: 405, message: (a) => `The method ${a.method} is not allowed for this resource.` },
  INVALID_PARAMETER: { status: 400, message: (a) => String(a.reason) },
  // Ironic's NotAcceptable with its own message (a parameter newer than the requested version).
  INVALID_PARAMETER_406: { status: 406, message: (a) => String(a.reason) },
  DRIVER_NOT_FOUND: { status: 404, message: (a) => `Could not find the following driver(s) or hardware type(s): ${a.driver}.` },
  UNSUPPORTED_DRIVER_EXTENSION_404: { status: 404, message: (a) => `Driver ${a.driver} does not support ${a.extension} (disabled or not implemented).` },
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
  NODE_RETIRED: { status: 400, message: (a) => `The ${a.op} operation can't be performed on node ${a.node} because it is retired.` },
  DUPLICATE_NAME: { status: 409, message: (a) => `A node with name ${a.name} already exists.` },
  DUPLICATE_UUID: { status: 409, message: (a) => `A resource with UUID ${a.uuid} already exists.` },
  MAC_ALREADY_EXISTS: { status: 409, message: (a) => `A port with MAC address ${a.mac} already exists.` },
  NO_VALID_GROUP: {
    status: 400,
    message: (a) => `No valid host was found. Reason: No conductor service registered which supports driver ${a.driver} for conductor group "${a.group}".`,
  },
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
  VERSION_INVALID: { status: 406, message: () => "Invalid value for X-OpenStack-Ironic-API-Version header" },
  VERSION_MAJOR: {
    status: 406,
    message: (a) => `Mutually exclusive versions requested. Version ${a.version} requested but not supported by this service. The supported version range is: [${a.min}, ${a.max}].`,
  },
  UNAUTHORIZED: { status: 401, message: () => "The request you have made requires authentication." },
  BODY_TOO_LARGE: { status: 413, message: (a) => `Request body is larger than ${a.limit} bytes.` },
  // Discovery (a tokenless continue_inspection from an unknown server) that a rule refused.
  DISCOVERY_REFUSED: { status: 403, message: (a) => `Discovery of a new node refused: ${a.reason}.` },
  DISCOVERY_RATE_LIMITED: { status: 429, message: (a) => `Too many nodes discovered in the last minute (at most ${a.limit}); retry later.` },
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
