/**
 * @module conductor/api/ramdisk
 * The ramdisk API, as Ironic serves it to agents: `GET /v1/lookup`,
 * `POST /v1/heartbeat/{node}` (202, no body) and `POST /v1/continue_inspection`.
 * No operator authentication: the agent token protects heartbeats and continue_inspection;
 * lookup hands out nothing secret but the one-time token.
 */
import { Hono } from "hono";
import { ContinueInspectionSchema, MacAddressSchema, UuidSchema } from "../../protocol/ironic-api.ts";
import { HeartbeatBodySchema, LookupQuerySchema } from "../../protocol/ramdisk-api.ts";
import { conductorError } from "../errors.ts";
import type { ConductorContext } from "../orchestration/context.ts";
import { agentTokenValid, issueToken } from "../orchestration/ramdisk/agent-token.ts";
import { handleHeartbeat } from "../orchestration/ramdisk/heartbeat.ts";
import { handleLookup, lookupBody } from "../orchestration/ramdisk/lookup.ts";
import { completeInspection, inventoryMacs } from "../orchestration/inspection.ts";
import { S } from "../state-machine/states.ts";
import type { ApiEnv } from "./env.ts";
import { CONTINUE_INSPECTION_MINOR } from "./microversion.ts";
import { readBody, readQuery } from "./validate.ts";

const RAMDISK_MIN_MINOR = 22;

/**
 * @example
 * app.route("/v1", createRamdiskRoutes(ctx));
 */
export function createRamdiskRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.get("/lookup", (c) => {
    if (c.get("minor") < RAMDISK_MIN_MINOR) throw conductorError("NOT_FOUND", { path: "/v1/lookup" });
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
    if (c.get("minor") < RAMDISK_MIN_MINOR) throw conductorError("NOT_FOUND", { path: "/v1/heartbeat" });
    const body = await readBody(c, HeartbeatBodySchema);
    if (body.agent_verify_ca && c.get("minor") < 68) throw conductorError("INVALID_PARAMETER", { reason: "agent_verify_ca requires API version 1.68" });
    handleHeartbeat(ctx, c.req.param("ident").slice(0, 255), body);
    return c.body(null, 202);
  });

  // Ironic's inspector-compatible callback. Unlike Ironic (which trusts any caller while the
  // node is in inspect wait), Teeth takes it only from the agent that looked the node up:
  // API 1.84 and the node's agent token, so nobody else can invent a node's hardware.
  app.post("/continue_inspection", async (c) => {
    if (c.get("minor") < CONTINUE_INSPECTION_MINOR) throw conductorError("VERSION_REQUIRED", { version: `1.${CONTINUE_INSPECTION_MINOR}` });
    const body = await readBody(c, ContinueInspectionSchema);
    const { inventory, error, agent_token: token, ...pluginData } = body;
    const uuids = ctx.store.ports.nodesForAddresses(inventoryMacs(inventory));
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
