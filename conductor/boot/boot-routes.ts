/**
 * @module conductor/boot/boot-routes
 * What firmware and iPXE fetch over HTTP, without credentials (agents and firmware have none,
 * so nothing here is secret): `GET /boot/boot.ipxe` (chains to the NIC's own script),
 * `GET /boot/{mac}.ipxe` (RAM disk, local boot or the unknown-MAC answer, decided from the
 * store) and `GET|HEAD /boot/ramdisk/{vmlinuz,initramfs.img}` with Range.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { Hono, type Context } from "hono";
import type { Logger } from "../../common/logger.ts";
import type { ConductorConfig } from "../config/schema.ts";
import { conductorError } from "../errors.ts";
import { fileResponse } from "../images/serve.ts";
import type { Store } from "../store/index.ts";
import { chainScript, localBootScript, notEnrolledScript, ramdiskScript } from "./ipxe-script.ts";
import { kernelCmdline } from "./kernel-cmdline.ts";
import { parseMac } from "./mac.ts";
import { decideScript } from "./netboot-state.ts";
import { unknownMacBoots } from "./unknown-mac.ts";

export interface BootRoutesDeps {
  store: Store;
  config: ConductorConfig;
  log: Logger;
}

/** The base URL iPXE fetches `/boot/...` from. */
export function bootHttpBase(config: ConductorConfig): string {
  return (config.boot.http_url ?? config.public_url).replace(/\/+$/, "");
}

/**
 * The script for one MAC (store form).
 * @example
 * macScript(deps, "52:54:00:12:34:56"); // "#!ipxe\n...kernel http://.../boot/ramdisk/vmlinuz ..."
 */
export function macScript(deps: BootRoutesDeps, mac: string): string {
  const { config } = deps;
  const httpBase = bootHttpBase(config);
  const d = decideScript(deps.store, mac);
  if (d.kind === "local") return localBootScript(d.bootMode);
  if (d.kind === "unknown" && !unknownMacBoots(config)) return notEnrolledScript();
  const cmd =
    d.kind === "ramdisk"
      ? kernelCmdline({ kernelParams: d.kernelParams, mac, requestId: d.requestId, configAppend: config.boot.kernel_params, nodeAppend: d.nodeAppend })
      : kernelCmdline({ kernelParams: unknownMacParams(config), mac, requestId: `req-${randomUUID()}`, configAppend: config.boot.kernel_params, nodeAppend: [] });
  return ramdiskScript({ httpBase, ...cmd });
}

/** An unknown MAC's agent looks up; with discovery on it also learns where to post its inventory. */
export function unknownMacParams(config: ConductorConfig): Record<string, string> {
  const params: Record<string, string> = { "ipa-api-url": config.public_url };
  if (config.discovery.enabled) params["ipa-inspection-callback-url"] = `${config.public_url}/v1/continue_inspection`;
  return params;
}

const ipxe = (c: Context, text: string) => c.body(text, 200, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });

/**
 * @example
 * app.route("/", createBootRoutes({ store, config, log }));
 */
export function createBootRoutes(deps: BootRoutesDeps): Hono {
  const app = new Hono();
  const files: Record<string, string> = { vmlinuz: deps.config.boot.kernel, "initramfs.img": deps.config.boot.initramfs };

  app.get("/boot/boot.ipxe", (c) => ipxe(c, chainScript(bootHttpBase(deps.config))));
  app.get("/boot/:file{[^/]+\\.ipxe}", (c) => {
    const raw = c.req.param("file").slice(0, -".ipxe".length);
    const mac = parseMac(raw);
    if (!mac) throw conductorError("INVALID_PARAMETER", { reason: `Expected a MAC address but received ${raw.slice(0, 64)}.` });
    let script: string;
    try {
      script = macScript(deps, mac);
    } catch (e) {
      deps.log.error({ mac, err: e }, "cannot render the boot script");
      throw conductorError("INVALID_PARAMETER", { reason: `Cannot build the boot script for ${mac}: ${(e as Error).message}` });
    }
    deps.log.info({ mac, script: script.includes("kernel ") ? "ramdisk" : "local" }, "boot script served");
    return ipxe(c, script);
  });
  const ramdisk = (c: Context) => {
    const path = files[c.req.param("name") ?? ""];
    if (!path) throw conductorError("NOT_FOUND", { path: `${c.req.method} ${c.req.path.slice(0, 200)}` });
    if (!existsSync(path)) {
      deps.log.error({ path }, "RAM disk file missing (make ramdisk, or set boot.kernel / boot.initramfs)");
      throw conductorError("NOT_FOUND", { path: `${c.req.method} ${c.req.path}` });
    }
    return fileResponse(path, c.req.method, c.req.header("range"));
  };
  app.get("/boot/ramdisk/:name", ramdisk);
  app.on("HEAD", "/boot/ramdisk/:name", ramdisk);
  return app;
}
