/**
 * @module conductor/drivers/redfish/boot-override
 * The next boot device through the System's `Boot` property, as Ironic's redfish management
 * does: `BootSourceOverrideTarget` (pxe -> Pxe, disk -> Hdd, cdrom -> Cd, bios -> BiosSetup),
 * `BootSourceOverrideEnabled` (Once, or Continuous when persistent; sent only when it
 * changes, as some BMCs refuse re-setting it), and `BootSourceOverrideMode` (UEFI or Legacy
 * from the node's boot mode, when the BMC reports one and it differs). The PATCH carries
 * `If-Match` with the resource's ETag; a 412 (the resource changed meanwhile) is retried once
 * with a fresh one.
 */
import type { Logger } from "../../../common/logger.ts";
import { conductorError } from "../../errors.ts";
import type { BootDevice, ManagementInterface } from "../driver-contract.ts";
import { nodeBootMode } from "../driver-contract.ts";
import { createBudget } from "./budget.ts";
import { httpError } from "./bmc-errors.ts";
import type { OpenConnection } from "./connection.ts";
import { readSystem, type SystemView } from "./system.ts";
import { awaitTask } from "./task-monitor.ts";

/** Ironic's BOOT_DEVICE_MAP (redfish/management.py). `safe` has no Redfish equivalent. */
export const BOOT_TARGETS: Partial<Record<BootDevice, string>> = { pxe: "Pxe", disk: "Hdd", cdrom: "Cd", bios: "BiosSetup" };
const FROM_TARGET = new Map(Object.entries(BOOT_TARGETS).map(([device, target]) => [target, device as BootDevice]));
const MODES = { uefi: "UEFI", bios: "Legacy" } as const;

export interface BootOverrideSettings {
  requestTimeoutS: number;
  pollIntervalMs: number;
}

/** The `Boot` fields to PATCH for `target`, given what the system shows now. */
export function bootPatch(
  current: SystemView["doc"]["Boot"],
  target: string,
  persistent: boolean,
  mode: "UEFI" | "Legacy",
): Record<string, string> {
  const patch: Record<string, string> = { BootSourceOverrideTarget: target };
  const enabled = persistent ? "Continuous" : "Once";
  if (current?.BootSourceOverrideEnabled !== enabled) patch.BootSourceOverrideEnabled = enabled;
  // A BMC that does not report a mode cannot set one either (Ironic's note on HPE Gen9).
  if (current?.BootSourceOverrideMode && current.BootSourceOverrideMode !== mode) patch.BootSourceOverrideMode = mode;
  return patch;
}

/**
 * Creates the management interface.
 * @example
 * const mgmt = createRedfishBootOverride({ open, logger, settings });
 * await mgmt.setBootDevice(node, "pxe", { persistent: false });
 */
export function createRedfishBootOverride(deps: { open: OpenConnection; logger: Logger; settings: BootOverrideSettings }): ManagementInterface {
  const s = deps.settings;
  return {
    async setBootDevice(node, device, options = {}) {
      const { conn, systemId } = deps.open(node);
      const bmc = conn.target.origin;
      const target = BOOT_TARGETS[device];
      if (!target) throw conductorError("BMC_UNSUPPORTED", { driver: "redfish", bmc, what: `boot device "${device}" (Redfish offers pxe, disk, cdrom and bios)` });
      const persistent = options.persistent ?? false;
      const mode = MODES[nodeBootMode(node)];
      const budget = createBudget("set boot device", bmc, s.requestTimeoutS);
      for (let attempt = 1; ; attempt++) {
        const system = await readSystem(conn, systemId, budget);
        const boot = system.doc.Boot;
        if (!boot) throw conductorError("BMC_UNSUPPORTED", { driver: "redfish", bmc, what: `a boot source override (${system.path} has no Boot property)` });
        const allowed = boot["BootSourceOverrideTarget@Redfish.AllowableValues"];
        if (allowed && !allowed.includes(target)) {
          throw conductorError("BMC_UNSUPPORTED", { driver: "redfish", bmc, what: `boot device "${device}" (BootSourceOverrideTarget ${target}; it allows ${allowed.join(", ")})` });
        }
        const patch = bootPatch(boot, target, persistent, mode);
        const r = await conn.request("PATCH", system.path, budget, {
          body: { Boot: patch },
          headers: system.etag ? { "If-Match": system.etag } : {},
        });
        if ((r.status === 412 || r.status === 428) && attempt === 1) {
          deps.logger.info({ node: node.uuid, bmc, status: r.status }, "redfish: boot override refused for its ETag; reading the system again");
          continue;
        }
        if (r.status < 200 || r.status >= 300) {
          throw httpError(r.status, r.json, { bmc, action: "set boot device", what: `boot device "${device}" (${Object.values(patch).join(", ")})`, secrets: [conn.target.password] });
        }
        const location = r.headers.get("location");
        if (r.status === 202 && location) await awaitTask(conn, location, budget, { pollIntervalMs: s.pollIntervalMs, logger: deps.logger });
        deps.logger.info({ node: node.uuid, bmc, device, persistent, mode }, "redfish boot device set");
        return;
      }
    },

    async getBootDevice(node) {
      const { conn, systemId } = deps.open(node);
      const { doc } = await readSystem(conn, systemId, createBudget("get boot device", conn.target.origin, s.requestTimeoutS));
      const enabled = doc.Boot?.BootSourceOverrideEnabled;
      return {
        boot_device: FROM_TARGET.get(doc.Boot?.BootSourceOverrideTarget ?? "") ?? null,
        persistent: enabled === "Continuous" ? true : enabled === "Once" ? false : null,
      };
    },

    async getSupportedBootDevices() {
      return Object.keys(BOOT_TARGETS) as BootDevice[];
    },
  };
}
