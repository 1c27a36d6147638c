/**
 * @module conductor/api/ramdisk
 * The ramdisk API, as Ironic serves it to agents: `GET /v1/lookup`,
 * `POST /v1/heartbeat/{node}` (202, no body) and `POST /v1/continue_inspection`.
 * No operator authentication: the agent token protects heartbeats and continue_inspection;
 * lookup hands out nothing secret but the one-time token. With `discovery.enabled`, a
 * continue_inspection without a token whose MACs no port has creates a new node in `enroll`
 * (Ironic's auto-discovery; `conductor/orchestration/discovery.ts`).
 */
import { Hono } from "hono";
import { ContinueInspectionSchema, MacAddressSchema, UuidSchema } from "../../protocol/ironic-api.ts";
import { HeartbeatBodySchema, LookupQuerySchema } from "../../protocol/ramdisk-api.ts";
import { conductorError } from "../errors.ts";
import type { ConductorContext } from "../orchestration/context.ts";
import { agentTokenValid, issueToken } from "../orchestration/ramdisk/agent-token.ts";
import { handleHeartbeat } from "../orchestration/ramdisk/heartbeat.ts";
import { handleLookup, lookupBody } from "../orchestration/ramdisk/lookup.ts";
import { InventorySchema } from "../../protocol/inventory.ts";
import { createDiscovery, type DiscoveryOutcome } from "../orchestration/discovery.ts";
import { completeInspection, inventoryMacs } from "../orchestration/inspection.ts";
import { S } from "../state-machine/states.ts";
import type { ApiEnv } from "./env.ts";
import { allows, FEATURE_MINOR } from "./versions.ts";
import { describeZodError, readBody, readQuery } from "./validate.ts";


/**
 * @example
 * app.route("/v1", createRamdiskRoutes(ctx));
 */
export function createRamdiskRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const discovery = createDiscovery(ctx);

  app.get("/lookup", (c) => {
    if (!allows("ramdisk_api", c.get("minor"))) throw conductorError("NOT_FOUND", { path: "/v1/lookup" });
    const q = readQuery(c, LookupQuerySchema);
    const macs: string[] = [];
    for (const raw of (q.addresses ?? "").split(",").filter((s) => s.trim())) {
      const m = MacAddressSchema.safeParse(raw);
      if (!m.success) throw conductorError("INVALID_PARAMETER", { reason: `Invalid MAC address ${raw.slice(0, 64)}` });
      macs.push(m.data);
    }
    if (macs.length > 64) throw conductorError("INVALID_PARAMETER", { reason: "Too many addresses" });
    if (q.node_uuid && !UuidSchema.safeParse(q.node_uuid).success) throw conductorError("INVALID_PARAMETER", { reason: "node_uuid is not a UUID" });
    return c.json(handleLookup(ctx, macs, q.node_uuid));
  });

  app.post("/heartbeat/:ident", async (c) => {
    if (!allows("ramdisk_api", c.get("minor"))) throw conductorError("NOT_FOUND", { path: "/v1/heartbeat" });
    const body = await readBody(c, HeartbeatBodySchema);
    if (body.agent_verify_ca && !allows("heartbeat_verify_ca", c.get("minor"))) throw conductorError("INVALID_PARAMETER", { reason: "agent_verify_ca requires API version 1.68" });
    handleHeartbeat(ctx, c.req.param("ident").slice(0, 255), body);
    return c.body(null, 202);
  });

  // Ironic's inspector-compatible callback. Unlike Ironic (which trusts any caller while the
  // node is in inspect wait), Teeth takes it only from the agent that looked the node up:
  // API 1.84 (Ironic also takes 1.1) and the node's agent token, so nobody else can invent a node's hardware.
  app.post("/continue_inspection", async (c) => {
    if (!allows("continue_inspection", c.get("minor"))) throw conductorError("VERSION_REQUIRED", { version: `1.${FEATURE_MINOR.continue_inspection}` });
    const body = await readBody(c, ContinueInspectionSchema);
    const { inventory, error, agent_token: token, ...pluginData } = body;
    const uuids = ctx.store.ports.nodesForAddresses(inventoryMacs(inventory));
    // Nobody knows these MACs and no token was offered: a server nobody enrolled (discovery).
    if (uuids.length === 0 && token === undefined && !error && ctx.config.discovery.enabled) {
      const inv = InventorySchema.safeParse(inventory);
      if (!inv.success) throw conductorError("INVALID_BODY", { reason: `inventory: ${describeZodError(inv.error)}` });
      const out = discovery.discover(inv.data, {});
      if (out.kind === "created") return c.json({ uuid: out.node.uuid }, 202);
      throw discoveryError(out, ctx.config.discovery.max_per_minute, (k, v) => c.header(k, v));
    }
    const node = uuids.length === 1 ? ctx.store.nodes.get(uuids[0]!) : null;
    if (!node || (node.provision_state !== S.INSPECTWAIT && node.provision_state !== S.INSPECTING)) {
      throw conductorError("NODE_NOT_FOUND", { node: "matching the inventory" });
    }
    if (!agentTokenValid(node, token)) throw conductorError("AGENT_TOKEN_INVALID");
    if (error) throw conductorError("INVALID_PARAMETER", { reason: `Inspection reported an error: ${String(error).slice(0, 500)}` });
    const release = ctx.locks.tryLock(node.uuid, "continue_inspection");
    if (!release) throw conductorError("NODE_LOCKED", { node: node.uuid, host: ctx.hostname });
    const issued = issueToken(ctx, node);
    ctx.background(`inspection ${node.uuid}`, async () => {
      try {
        await completeInspection(ctx, ctx.store.nodes.get(node.uuid)!, inventory, pluginData);
      } catch (e) {
        ctx.log.error({ node: node.uuid, err: e }, "continue_inspection failed");
      } finally {
        release();
      }
    });
    return c.json(lookupBody(ctx, issued.node, issued.token), 202);
  });

  return app;
}

/** The 4xx a refused discovery answers with (nothing was created). */
function discoveryError(out: Exclude<DiscoveryOutcome, { kind: "created" }>, limit: number, header: (k: string, v: string) => void) {
  switch (out.kind) {
    case "disabled":
      return conductorError("NODE_NOT_FOUND", { node: "matching the inventory" });
    case "no_mac":
      return conductorError("INVALID_BODY", { reason: "inventory: no interface has a valid MAC address" });
    case "too_many_interfaces":
      return conductorError("INVALID_BODY", { reason: `inventory: ${out.count} interfaces is more than discovery accepts` });
    case "too_large":
      return conductorError("INVALID_BODY", { reason: `inventory: ${out.bytes} bytes is more than discovery accepts` });
    case "known_mac":
      return conductorError("MAC_ALREADY_EXISTS", { mac: out.mac });
    case "ignored":
      return conductorError("DISCOVERY_REFUSED", { reason: `the server matches the ignore rule ${out.rule}` });
    case "rate_limited":
      header("Retry-After", "60");
      return conductorError("DISCOVERY_RATE_LIMITED", { limit });
  }
}
