/**
 * @module conductor/boot/pxe-boot
 * The PXE boot interface (`BootInterface`, see driver-contract.ts) that `ipmi`, `redfish` and
 * (with `fake_hardware.boot: pxe`) `fake-hardware` use: each call records what the node's next
 * network boot leads to in the store (read by `/boot/{mac}.ipxe`) and brings dnsmasq's host
 * entries up to date with the node's ports, in that order, so by the time the call resolves
 * both the DHCP answer and the script are the new ones.
 *
 * - `prepareRamdisk`: the RAM disk with the given kernel parameters and a fresh
 *   `ipa-global-request-id`. Throws (nothing changed) when a parameter cannot go on an
 *   iPXE line, or the node has no port to boot from.
 * - `cleanUpRamdisk`, `prepareInstance`: local boot. All three are idempotent and quick (one
 *   store write, a few small files); none powers the node or sets its boot device.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "../../common/logger.ts";
import type { BootInterface } from "../drivers/driver-contract.ts";
import type { ConductorConfig } from "../config/schema.ts";
import type { Store } from "../store/index.ts";
import type { NodeRecord } from "../store/node-record.ts";
import { kernelCmdline } from "./kernel-cmdline.ts";
import { readNetboot, writeNetboot } from "./netboot-state.ts";

export interface PxeBootDeps {
  store: Store;
  config: ConductorConfig;
  log: Logger;
  /** Brings dnsmasq's known MACs up to date with the store (no-op without dnsmasq). */
  syncHosts(): void;
}

/**
 * @example
 * const boot = createPxeBoot({ store, config, log, syncHosts: netboot.syncHosts });
 * await boot.prepareRamdisk(node, { kernelParams: { "ipa-api-url": config.public_url } });
 */
export function createPxeBoot(deps: PxeBootDeps): BootInterface {
  const { store, log } = deps;
  const pxeMacs = (node: NodeRecord) => store.ports.list({ node_uuid: node.uuid }).filter((p) => p.pxe_enabled).map((p) => p.address);

  function setLocal(node: NodeRecord, reason: "instance" | "cleaned"): void {
    const cur = readNetboot(store.nodes.get(node.uuid) ?? node);
    if (cur?.boot !== "local" || cur.reason !== reason) writeNetboot(store, node.uuid, { boot: "local", reason, since: Date.now() });
    deps.syncHosts();
    log.info({ node: node.uuid, reason }, "network boot now leads to the local disk");
  }

  return {
    async prepareRamdisk(node, { kernelParams }) {
      const macs = pxeMacs(node);
      if (!macs.length) throw new Error(`node ${node.uuid} has no PXE-enabled port to boot from`);
      const nodeAppend = typeof node.driver_info?.kernel_append_params === "string" ? node.driver_info.kernel_append_params.split(/\s+/).filter(Boolean) : [];
      const requestId = `req-${randomUUID()}`;
      // Checked now, so a bad parameter fails the operation instead of the boot.
      for (const mac of macs) kernelCmdline({ kernelParams, mac, requestId, configAppend: deps.config.boot.kernel_params, nodeAppend });
      writeNetboot(store, node.uuid, { boot: "ramdisk", kernel_params: { ...kernelParams }, request_id: requestId, since: Date.now() });
      deps.syncHosts();
      log.info({ node: node.uuid, macs, request_id: requestId }, "network boot now leads to the agent RAM disk");
    },
    async cleanUpRamdisk(node) {
      setLocal(node, "cleaned");
    },
    async prepareInstance(node) {
      setLocal(node, "instance");
    },
  };
}
