/**
 * @module conductor/drivers/ipmi
 * The `ipmi` hardware type (Ironic's name): power and boot device through the node's BMC with
 * `ipmitool -I lanplus`, network boot through the `BootInterface` it is given (PXE/iPXE from
 * `conductor/boot/`). driver_info uses Ironic's fields (`ipmi_address`, `ipmi_port`,
 * `ipmi_username`, `ipmi_password`, `ipmi_priv_level`, `ipmi_cipher_suite`, ...).
 */
import type { Exec } from "../../../common/exec.ts";
import type { Logger } from "../../../common/logger.ts";
import { conductorError } from "../../errors.ts";
import type { NodeRecord } from "../../store/node-record.ts";
import type { BootInterface, HardwareType } from "../driver-contract.ts";
import { checkIpmiDriverInfo, parseIpmiDriverInfo, type IpmiTarget } from "./driver-info.ts";
import { createIpmitoolClient, type IpmiConfig, type IpmitoolClient } from "./ipmitool-client.ts";
import { createIpmiManagement } from "./management.ts";
import { createIpmiPower } from "./power.ts";

export interface IpmiHardwareOptions {
  exec: Exec;
  logger: Logger;
  /** The `ipmi` section of the conductor's configuration. */
  config: IpmiConfig;
  /** How the node network-boots (the PXE/iPXE boot interface). */
  boot: BootInterface;
}

export interface IpmiHardware extends HardwareType {
  /** The ipmitool runner (cipher suite memory), for diagnostics and tests. */
  readonly client: IpmitoolClient;
}

/**
 * Creates the `ipmi` hardware type.
 * @example
 * const ipmi = createIpmiHardware({ exec: createExec(), logger, config: config.ipmi, boot });
 * ipmi.validate(node); // "Missing the following IPMI credentials in node's driver_info: ipmi_address."
 * await ipmi.power.setPowerState(node, "power on");
 */
export function createIpmiHardware(options: IpmiHardwareOptions): IpmiHardware {
  const logger = options.logger.child({ driver: "ipmi" });
  const client = createIpmitoolClient({ exec: options.exec, logger, config: options.config });
  const target = (node: NodeRecord): IpmiTarget => {
    const t = parseIpmiDriverInfo(node.driver_info ?? {});
    if (typeof t === "string") throw conductorError("DRIVER_INFO_INVALID", { reason: t });
    return t;
  };
  return {
    name: "ipmi",
    client,
    power: createIpmiPower({ client, config: options.config, target }),
    management: createIpmiManagement({ client, target }),
    boot: options.boot,
    checkDriverInfo: (info) => checkIpmiDriverInfo(info ?? {}),
    validate(node) {
      const t = parseIpmiDriverInfo(node.driver_info ?? {});
      return typeof t === "string" ? t : null;
    },
  };
}
