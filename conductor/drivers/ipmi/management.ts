/**
 * @module conductor/drivers/ipmi/management
 * Boot device through IPMI: `chassis bootdev DEV [options=persistent,efiboot]` (efiboot for
 * UEFI nodes, `nodeBootMode`), preceded, as in Ironic, by the raw "do not clear the boot flags
 * after 60 s" (`0x00 0x08 0x03 0x08`) unless `ipmi_disable_boot_timeout` is false; read back
 * with `chassis bootparam get 5`. Ironic 21.4 sends UEFI settings as raw bytes for old
 * ipmitool builds that could not combine efiboot and persistent; Debian's 1.8.19 can.
 */
import { conductorError } from "../../errors.ts";
import type { NodeRecord } from "../../store/node-record.ts";
import { BOOT_DEVICES, nodeBootMode, type BootDevice, type ManagementInterface } from "../driver-contract.ts";
import type { IpmiTarget } from "./driver-info.ts";
import type { IpmitoolClient } from "./ipmitool-client.ts";
import { parseBootParam } from "./parse-output.ts";

interface Deps {
  client: IpmitoolClient;
  target(node: NodeRecord): IpmiTarget;
}

/** The ipmitool `chassis bootdev` arguments for a device, persistence and boot mode. */
export function bootdevCommand(device: BootDevice, persistent: boolean, uefi: boolean): string[] {
  const options = [...(persistent ? ["persistent"] : []), ...(uefi ? ["efiboot"] : [])];
  return ["chassis", "bootdev", device, ...(options.length ? [`options=${options.join(",")}`] : [])];
}

/**
 * @example
 * const management = createIpmiManagement({ client, target });
 * await management.setBootDevice(node, "pxe", { persistent: true });
 */
export function createIpmiManagement(deps: Deps): ManagementInterface {
  const { client } = deps;
  return {
    async setBootDevice(node, device, options = {}) {
      if (!BOOT_DEVICES.includes(device)) throw conductorError("INVALID_PARAMETER", { reason: `Invalid boot device ${String(device).slice(0, 40)} specified.` });
      const t = deps.target(node);
      const persistent = options.persistent ?? false;
      const uefi = nodeBootMode(node) === "uefi";
      if (t.disableBootTimeout) {
        await client.run(t, {
          command: ["raw", "0x00", "0x08", "0x03", "0x08"],
          action: "keep the boot device past 60 s (raw 0x00 0x08 0x03 0x08; set ipmi_disable_boot_timeout to false if the BMC refuses it)",
        });
      }
      await client.run(t, {
        command: bootdevCommand(device, persistent, uefi),
        action: `set boot device ${device}${persistent ? " (persistent)" : ""}${uefi ? " (UEFI)" : ""}`,
        expect: /^Set Boot Device to /m,
      });
    },
    async getBootDevice(node) {
      const out = await deps.client.run(deps.target(node), {
        command: ["chassis", "bootparam", "get", "5"],
        action: "get boot device",
        expect: /Boot parameter data|Boot Device Selector/,
      });
      const { boot_device, persistent } = parseBootParam(out);
      return { boot_device, persistent };
    },
    async getSupportedBootDevices() {
      return [...BOOT_DEVICES];
    },
  };
}
