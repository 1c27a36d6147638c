/**
 * @module conductor/api/node-hardware
 * Read-mostly hardware sub-resources of a node:
 * - `/bios` (1.40), `/bios/{name}`: Teeth drivers have `no-bios`, which caches no settings, so
 *   the list is empty and every name is Ironic's 404 (as Ironic with `no-bios`).
 * - `/firmware` (1.86): components from the node's stored inspection inventory: the system
 *   firmware (`system_vendor.firmware`, reported by the agent as "bios"); empty without one.
 * - `/vmedia` (1.89, GET/POST/DELETE): no Teeth driver can attach virtual media, so each is a
 *   400 saying so (the body is still validated first, and no URL is ever fetched).
 * - `/children` (1.83): nodes whose `parent_node` is this node (none can be set yet: empty).
 */
import { Hono } from "hono";
import { z } from "zod";
import { conductorError } from "../errors.ts";
import type { ConductorContext } from "../orchestration/context.ts";
import { FEATURE_MINOR } from "./versions.ts";

const SUBRESOURCE_MINOR = { children: FEATURE_MINOR.children, firmware: FEATURE_MINOR.firmware, vmedia: FEATURE_MINOR.vmedia_attach } as const;
import type { ApiEnv } from "./env.ts";
import { subresourceNode } from "./subresource.ts";
import { readBody } from "./validate.ts";

export const BIOS_MINOR = 40;

const VmediaSchema = z
  .object({
    device_type: z.enum(["CDROM", "DISK", "FLOPPY", "cdrom", "disk", "floppy"]),
    image_url: z.string().min(1).max(2048),
    image_download_source: z.enum(["http", "local", "swift"]).optional(),
  })
  .strict();

/** Firmware components Ironic's API shows, from an agent inventory. */
export function firmwareFromInventory(inventory: unknown): Record<string, unknown>[] {
  const fw = (inventory as { system_vendor?: { firmware?: { version?: unknown } } } | null)?.system_vendor?.firmware;
  if (!fw || typeof fw.version !== "string" || !fw.version) return [];
  return [{ component: "bios", initial_version: fw.version, current_version: fw.version, last_version_flashed: null, created_at: null, updated_at: null }];
}

/**
 * @example
 * app.route("/v1/nodes", createNodeHardwareRoutes(ctx));
 */
export function createNodeHardwareRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.get("/:ident/bios", (c) => (subresourceNode(ctx, c, BIOS_MINOR), c.json({ bios: [] })));
  app.get("/:ident/bios/:name", (c) => {
    const node = subresourceNode(ctx, c, BIOS_MINOR);
    throw conductorError("BIOS_SETTING_NOT_FOUND", { node: node.uuid, name: c.req.param("name").slice(0, 255) });
  });

  app.get("/:ident/firmware", (c) => {
    const node = subresourceNode(ctx, c, SUBRESOURCE_MINOR.firmware);
    return c.json({ firmware: firmwareFromInventory(ctx.store.inventories.get(node.uuid)?.inventory ?? null) });
  });

  const noVmedia = (driver: string, op: string) => conductorError("UNSUPPORTED_DRIVER_EXTENSION", { driver, extension: op });
  app.get("/:ident/vmedia", (c) => {
    const node = subresourceNode(ctx, c, SUBRESOURCE_MINOR.vmedia);
    throw noVmedia(node.driver, "get_virtual_media");
  });
  app.post("/:ident/vmedia", async (c) => {
    const node = subresourceNode(ctx, c, SUBRESOURCE_MINOR.vmedia);
    await readBody(c, VmediaSchema);
    throw noVmedia(node.driver, "attach_virtual_media");
  });
  app.delete("/:ident/vmedia", (c) => {
    const node = subresourceNode(ctx, c, SUBRESOURCE_MINOR.vmedia);
    throw noVmedia(node.driver, "detach_virtual_media");
  });

  app.get("/:ident/children", (c) => {
    const node = subresourceNode(ctx, c, SUBRESOURCE_MINOR.children);
    const rows = ctx.store.db
      .query<{ uuid: string }, [string]>("SELECT uuid FROM nodes WHERE json_extract(attrs, '$.parent_node') = ? ORDER BY uuid")
      .all(node.uuid);
    return c.json({ children: rows.map((r) => r.uuid) });
  });

  return app;
}
