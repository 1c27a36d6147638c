/**
 * @module protocol/ramdisk-api
 * Agent -> conductor: version discovery, `/v1/lookup`, `/v1/heartbeat/{node}`, as Ironic serves them.
 */
import { z } from "zod";

/** Header carrying the negotiated microversion. */
export const API_VERSION_HEADER = "X-OpenStack-Ironic-API-Version";
/** Highest microversions the agent asks for, as IPA: lookup 1.62, heartbeat 1.68. */
export const LOOKUP_API_VERSION = "1.62";
export const HEARTBEAT_API_VERSION = "1.68";
/** `POST /v1/continue_inspection` exists from 1.84 (Ironic's in-band inspection and discovery). */
export const CONTINUE_INSPECTION_API_VERSION = "1.84";
/** Its answer to a discovery: the new node's UUID (IPA's inspector reads `uuid`). */
export const DiscoveryResponseSchema = z.object({ uuid: z.string() }).loose();

/** `GET /` of an Ironic-compatible API. */
export const RootVersionsSchema = z
  .object({
    default_version: z.object({ id: z.string(), version: z.string(), min_version: z.string().optional() }).loose(),
  })
  .loose();

export const LookupConfigSchema = z
  .object({
    heartbeat_timeout: z.number().positive().default(300),
    agent_token: z.string().optional(),
    agent_token_required: z.boolean().optional(),
    agent_md5_checksum_enable: z.boolean().optional(),
    permitted_image_formats: z.array(z.string()).optional(),
    disable_deep_image_inspection: z.boolean().optional(),
    tls_min_version: z.string().optional(),
  })
  .loose();
export type LookupConfig = z.infer<typeof LookupConfigSchema>;

export const LookupNodeSchema = z
  .object({
    uuid: z.string(),
    properties: z.record(z.string(), z.unknown()).default({}),
    instance_info: z.record(z.string(), z.unknown()).default({}),
    driver_internal_info: z.record(z.string(), z.unknown()).default({}),
    links: z.array(z.unknown()).optional(),
  })
  .loose();
export type LookupNode = z.infer<typeof LookupNodeSchema>;

/** 200 body of `GET /v1/lookup`. */
export const LookupResponseSchema = z.object({ node: LookupNodeSchema, config: LookupConfigSchema });
export type LookupResponse = z.infer<typeof LookupResponseSchema>;

/** Query of `GET /v1/lookup`: comma-separated MACs and/or the node UUID. */
export const LookupQuerySchema = z
  .object({
    addresses: z.string().max(4096).optional(),
    node_uuid: z.string().max(64).optional(),
  })
  .refine((q) => q.addresses || q.node_uuid, { message: "addresses or node_uuid is required" });

/** Body of `POST /v1/heartbeat/{node}`. */
export const HeartbeatBodySchema = z
  .object({
    /** As sent, not normalised: the conductor checks it is `http(s)://address:port` (conductor/agent-client/callback-url.ts). */
    callback_url: z.string().min(1).max(2048),
    agent_token: z.string().min(1).max(256).optional(),
    agent_version: z.string().max(64).optional(),
    agent_verify_ca: z.string().max(16384).optional(),
    agent_status: z.enum(["start", "end", "error"]).optional(),
    agent_status_message: z.string().max(4096).optional(),
  })
  .strict();
export type HeartbeatBody = z.infer<typeof HeartbeatBodySchema>;
