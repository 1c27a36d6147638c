/**
 * @module protocol/ironic-api
 * The operator API's bodies, a subset of OpenStack Ironic's v1 REST API: node create,
 * JSON-patch, provision/power targets, maintenance, port create, and Ironic's error body.
 */
import { FALSE_WORDS, parseBooleanString, TRUE_WORDS } from "../common/boolean-string.ts";
import { MAC_ADDRESS_PATTERN } from "../common/mac-address.ts";
import { z } from "zod";
import {
  booleanField, ConductorGroupSchema, dictField, LocalLinkConnectionSchema, NodeNameSchema, textField, uuidField,
} from "./ironic-fields.ts";

/** Headers of Ironic's microversion negotiation. */
export const MIN_VERSION_HEADER = "X-OpenStack-Ironic-API-Minimum-Version";
export const MAX_VERSION_HEADER = "X-OpenStack-Ironic-API-Maximum-Version";
export const REQUEST_ID_HEADER = "X-OpenStack-Request-Id";

const dict = z.record(z.string(), z.unknown());
const shortText = z.string().max(255);

/** Node and port names, as Ironic's `is_valid_node_name` (see ironic-fields). */
export { NodeNameSchema } from "./ironic-fields.ts";

export const UuidSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, "not a UUID");

/** MAC address as Ironic stores it: six lowercase hex octets separated by ':'. */
export const MacAddressSchema = z
  .string()
  .max(64)
  .transform((s) => s.trim().toLowerCase().replaceAll("-", ":"))
  .pipe(z.string().regex(MAC_ADDRESS_PATTERN, "not a valid MAC address"));

/** Interface fields a node may name; only the fake implementations exist here. */
const INTERFACE_FIELDS = [
  "bios_interface", "boot_interface", "console_interface", "deploy_interface", "firmware_interface",
  "inspect_interface", "management_interface", "network_interface", "power_interface", "raid_interface",
  "rescue_interface", "storage_interface", "vendor_interface",
] as const;

/**
 * The typed fields a node has, each with Ironic's rule (node.py's schema plus `args.uuid` /
 * `args.boolean`); create and JSON-patch both validate with it. `null` clears a field.
 */
export const NodeFieldsShape = {
  name: NodeNameSchema.nullable(),
  driver: textField("driver"),
  driver_info: dictField("driver_info").nullable(),
  properties: dictField("properties").nullable(),
  instance_info: dictField("instance_info").nullable(),
  extra: dictField("extra").nullable(),
  description: textField("description", 4096).nullable(),
  resource_class: textField("resource_class", 80).nullable(),
  owner: textField("owner").nullable(),
  lessee: textField("lessee").nullable(),
  conductor_group: ConductorGroupSchema.nullable(),
  automated_clean: booleanField("automated_clean").nullable(),
  network_data: dictField("network_data").nullable(),
  chassis_uuid: uuidField("chassis_uuid").nullable(),
  instance_uuid: uuidField("instance_uuid").nullable(),
  shard: textField("shard").nullable(),
  maintenance: booleanField("maintenance"),
  maintenance_reason: textField("maintenance_reason", 4096).nullable(),
  retired: booleanField("retired").nullable(),
  retired_reason: textField("retired_reason", 4096).nullable(),
  protected: booleanField("protected").nullable(),
  protected_reason: textField("protected_reason", 4096).nullable(),
  /** A node's UUID or name; the API stores the UUID. */
  parent_node: textField("parent_node").nullable(),
  ...(Object.fromEntries(INTERFACE_FIELDS.map((f) => [f, textField(f).nullable()])) as Record<(typeof INTERFACE_FIELDS)[number], z.ZodNullable<z.ZodType<string>>>),
};

/** The node's writable fields after a JSON patch: every field present, each valid. */
export const NodePatchedSchema = z.object(NodeFieldsShape).partial().loose();

/** `POST /v1/nodes`. Unknown keys are refused, as Ironic does. */
export const NodeCreateSchema = z
  .object({
    ...z.object(NodeFieldsShape).partial().shape,
    uuid: uuidField("uuid").optional(),
    driver: z.string().min(1).max(255),
  })
  .strict();
export type NodeCreate = z.infer<typeof NodeCreateSchema>;

/** One JSON-patch operation (RFC 6902 subset Ironic accepts: add, replace, remove). */
export const PatchOperationSchema = z
  .object({
    op: z.enum(["add", "replace", "remove"]),
    path: z
      .string()
      .min(2)
      .max(1024)
      .regex(/^(\/[^/]+)+$/, "patch path must look like /field or /field/key"),
    value: z.unknown().optional(),
  })
  .strict()
  .refine((p) => p.op === "remove" || p.value !== undefined, { message: "'add' and 'replace' need a 'value'" });
export const JsonPatchSchema = z.array(PatchOperationSchema).min(1).max(256);
export type JsonPatch = z.infer<typeof JsonPatchSchema>;

/** A manual clean step as an operator passes it. */
export const CleanStepInputSchema = z
  .object({
    interface: z.string().min(1).max(64),
    step: z.string().min(1).max(255),
    args: dict.optional(),
    priority: z.number().int().optional(),
  })
  .strict();
export type CleanStepInput = z.infer<typeof CleanStepInputSchema>;

/**
 * Provision verbs of `PUT /v1/nodes/{id}/states/provision` that Teeth knows. The body's
 * `target` is any string: an unknown one is Ironic's 400 "The requested action ... can not
 * be performed", answered with the node's state (after its 404), not a schema error.
 */
export const ProvisionVerbSchema = z.enum([
  "manage",
  "provide",
  "inspect",
  "clean",
  "active",
  "deploy",
  "deleted",
  "undeploy",
  "abort",
  "rebuild",
  "adopt",
  "rescue",
  "unrescue",
  "service",
  "unhold",
]);
export type ProvisionVerb = z.infer<typeof ProvisionVerbSchema>;

export const ProvisionTargetSchema = z
  .object({
    target: z.string().max(255),
    configdrive: z.union([z.string().max(64 * 1024 * 1024), dict]).nullable().optional(),
    clean_steps: z.array(CleanStepInputSchema).max(64).optional(),
    deploy_steps: z.array(CleanStepInputSchema).max(64).optional(),
    service_steps: z.array(CleanStepInputSchema).max(64).optional(),
    disable_ramdisk: z.boolean().optional(),
    rescue_password: z.string().max(255).optional(),
  })
  .strict();
export type ProvisionTarget = z.infer<typeof ProvisionTargetSchema>;

/**
 * `PUT /v1/nodes/{id}/states/power`. `target` is any string here: an unknown one is Ironic's
 * 400 "The requested action ... can not be performed", raised with the node's state. `timeout`
 * (seconds, API 1.27+) is an integer as Ironic reads it ("12" and 12.7 are 12); its sign is
 * checked by the conductor, with Ironic's message.
 */
export const PowerTargetSchema = z
  .object({
    target: z.string().max(255),
    timeout: z
      .union([z.number(), z.string().regex(/^\s*-?\d+\s*$/, "Expected an integer")])
      .transform((v) => Math.trunc(Number(v)))
      .refine((v) => Math.abs(v) <= 86400 * 7, "at most one week")
      .nullable()
      .optional(),
  })
  .strict();
export type PowerTarget = z.infer<typeof PowerTargetSchema>;

/** Ironic's `args.boolean`: a JSON boolean or one of oslo's strings. */
const ironicBoolean = z.union([
  z.boolean(),
  z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum([...FALSE_WORDS, ...TRUE_WORDS].sort() as [string, ...string[]]))
    .transform((s) => parseBooleanString(s) === true),
]);

/** `PUT /v1/nodes/{id}/management/boot_device`. A device the node does not support is a 400 from the conductor. */
export const BootDeviceSchema = z
  .object({
    boot_device: z.string().min(1).max(64),
    persistent: ironicBoolean.optional(),
  })
  .strict();
export type BootDeviceRequest = z.infer<typeof BootDeviceSchema>;

export const MaintenanceSchema = z.object({ reason: z.string().max(4096).nullable().optional() }).strict();

/** The typed fields a port has, each with Ironic's rule; create and JSON-patch share them. */
export const PortFieldsShape = {
  address: MacAddressSchema,
  // A UUID in Ironic; Teeth also takes the node's name.
  node_uuid: textField("node_uuid"),
  pxe_enabled: booleanField("pxe_enabled"),
  extra: dictField("extra").nullable(),
  local_link_connection: LocalLinkConnectionSchema.nullable(),
  physical_network: textField("physical_network", 64).nullable(),
  is_smartnic: booleanField("is_smartnic"),
  name: NodeNameSchema.nullable(),
  portgroup_uuid: textField("portgroup_uuid").nullable(),
};

/** `POST /v1/ports`. */
export const PortCreateSchema = z
  .object({
    ...z.object(PortFieldsShape).partial().shape,
    address: MacAddressSchema,
    node_uuid: z.string().min(1).max(255),
    uuid: uuidField("uuid").optional(),
  })
  .strict();
export type PortCreate = z.infer<typeof PortCreateSchema>;

/** `POST /v1/continue_inspection`: inventory plus whatever collectors sent. */
export const ContinueInspectionSchema = z
  .object({ inventory: dict, error: z.string().nullable().optional() })
  .loose();

/**
 * Ironic's error body. `error_message` is itself a JSON string (Ironic's
 * ParsableErrorMiddleware wraps the WSME fault), which is what python-ironicclient parses.
 */
export const IronicErrorBodySchema = z.object({ error_message: z.string() });
export const IronicFaultSchema = z.object({
  faultstring: z.string(),
  faultcode: z.enum(["Client", "Server"]),
  debuginfo: z.string().nullable(),
});
export type IronicFault = z.infer<typeof IronicFaultSchema>;

/**
 * Builds Ironic's error body.
 * @example
 * ironicErrorBody("Node foo could not be found.", 404)
 * // { error_message: '{"faultstring": "Node foo could not be found.", "faultcode": "Client", "debuginfo": null}' }
 */
export function ironicErrorBody(message: string, status: number): { error_message: string } {
  const fault: IronicFault = { faultstring: message, faultcode: status >= 500 ? "Server" : "Client", debuginfo: null };
  return { error_message: JSON.stringify(fault) };
}

/**
 * The body of an error Ironic raises as a plain webob exception (the microversion checks, before
 * any controller runs): `description` instead of `faultstring`.
 */
export function webobErrorBody(message: string, status: number, title: string): { error_message: string } {
  return { error_message: JSON.stringify({ code: status, title, description: message }) };
}

/** Reads the human message out of an Ironic error body (or returns the raw text). */
export function parseIronicError(text: string): string {
  try {
    const body = IronicErrorBodySchema.parse(JSON.parse(text));
    const inner = JSON.parse(body.error_message) as { description?: unknown; title?: unknown };
    const fault = IronicFaultSchema.partial().parse(inner);
    if (fault.faultstring) return fault.faultstring;
    if (typeof inner.description === "string" && inner.description) return inner.description;
    return typeof inner.title === "string" ? inner.title : body.error_message;
  } catch {
    // Ironic's basic-auth middleware answers `{"error": {"message": ..., "code": ...}}`.
    try {
      const m = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
      if (typeof m === "string") return m;
    } catch {}
    return text;
  }
}
