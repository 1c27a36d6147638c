/**
 * @module protocol/ironic-api
 * The operator API's bodies, a subset of OpenStack Ironic's v1 REST API: node create,
 * JSON-patch, provision/power targets, maintenance, port create, and Ironic's error body.
 */
import { MAC_ADDRESS_PATTERN } from "../common/mac-address.ts";
import { z } from "zod";

/** Headers of Ironic's microversion negotiation. */
export const MIN_VERSION_HEADER = "X-OpenStack-Ironic-API-Minimum-Version";
export const MAX_VERSION_HEADER = "X-OpenStack-Ironic-API-Maximum-Version";
export const REQUEST_ID_HEADER = "X-OpenStack-Request-Id";

const dict = z.record(z.string(), z.unknown());
const shortText = z.string().max(255);

/** Ironic node names: host-name-like, `[A-Za-z0-9._~-]`, at most 255 characters. */
export const NodeNameSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9._~-]+$/, "node name may contain only letters, digits, '.', '_', '~' and '-'");

export const UuidSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, "not a UUID");

/** MAC address as Ironic stores it: six lowercase hex octets separated by ':'. */
export const MacAddressSchema = z
  .string()
  .max(64)
  .transform((s) => s.trim().toLowerCase().replaceAll("-", ":"))
  .pipe(z.string().regex(MAC_ADDRESS_PATTERN, "not a valid MAC address"));

/** Interface fields a node may name at creation; only the fake implementations exist here. */
const interfaceField = shortText.nullable().optional();

/** `POST /v1/nodes`. Unknown keys are refused, as Ironic does. */
export const NodeCreateSchema = z
  .object({
    uuid: UuidSchema.optional(),
    name: NodeNameSchema.nullable().optional(),
    driver: z.string().min(1).max(255),
    driver_info: dict.optional(),
    properties: dict.optional(),
    instance_info: dict.optional(),
    extra: dict.optional(),
    description: z.string().max(4096).nullable().optional(),
    resource_class: shortText.nullable().optional(),
    owner: shortText.nullable().optional(),
    lessee: shortText.nullable().optional(),
    conductor_group: shortText.optional(),
    automated_clean: z.boolean().nullable().optional(),
    network_data: dict.optional(),
    chassis_uuid: UuidSchema.nullable().optional(),
    instance_uuid: UuidSchema.nullable().optional(),
    boot_interface: interfaceField,
    deploy_interface: interfaceField,
    inspect_interface: interfaceField,
    management_interface: interfaceField,
    power_interface: interfaceField,
    network_interface: interfaceField,
    console_interface: interfaceField,
    raid_interface: interfaceField,
    rescue_interface: interfaceField,
    storage_interface: interfaceField,
    vendor_interface: interfaceField,
    bios_interface: interfaceField,
    firmware_interface: interfaceField,
    shard: shortText.nullable().optional(),
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

/** Provision verbs of `PUT /v1/nodes/{id}/states/provision`. */
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
]);
export type ProvisionVerb = z.infer<typeof ProvisionVerbSchema>;

export const ProvisionTargetSchema = z
  .object({
    target: ProvisionVerbSchema,
    configdrive: z.union([z.string().max(64 * 1024 * 1024), dict]).nullable().optional(),
    clean_steps: z.array(CleanStepInputSchema).max(64).optional(),
    deploy_steps: z.array(CleanStepInputSchema).max(64).optional(),
    disable_ramdisk: z.boolean().optional(),
    rescue_password: z.string().max(255).optional(),
  })
  .strict();
export type ProvisionTarget = z.infer<typeof ProvisionTargetSchema>;

export const PowerTargetSchema = z
  .object({
    target: z.enum(["power on", "power off", "rebooting", "soft power off", "soft rebooting"]),
    timeout: z.number().int().positive().max(86400).nullable().optional(),
  })
  .strict();
export type PowerTarget = z.infer<typeof PowerTargetSchema>;

export const MaintenanceSchema = z.object({ reason: z.string().max(4096).nullable().optional() }).strict();

/** `POST /v1/ports`. */
export const PortCreateSchema = z
  .object({
    uuid: UuidSchema.optional(),
    address: MacAddressSchema,
    node_uuid: z.string().min(1).max(255),
    pxe_enabled: z.boolean().optional(),
    extra: dict.optional(),
    local_link_connection: dict.optional(),
    physical_network: shortText.nullable().optional(),
    is_smartnic: z.boolean().optional(),
    name: NodeNameSchema.nullable().optional(),
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

/** Reads the human message out of an Ironic error body (or returns the raw text). */
export function parseIronicError(text: string): string {
  try {
    const body = IronicErrorBodySchema.parse(JSON.parse(text));
    const fault = IronicFaultSchema.partial().parse(JSON.parse(body.error_message));
    return fault.faultstring ?? body.error_message;
  } catch {
    return text;
  }
}
