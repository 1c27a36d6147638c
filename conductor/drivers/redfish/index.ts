/**
 * @module conductor/drivers/redfish
 * The `redfish` hardware type (Ironic's name): power and boot device through a BMC's
 * Redfish service over HTTPS, network boot through the injected boot interface. Connections
 * (and their sessions) are cached per BMC and user; `close()` logs them out.
 */
import type { Logger } from "../../../common/logger.ts";
import type { ConductorConfig } from "../../config/schema.ts";
import { conductorError } from "../../errors.ts";
import type { BootInterface, HardwareType } from "../driver-contract.ts";
import { createRedfishBootOverride } from "./boot-override.ts";
import { createConnectionCache } from "./connection-cache.ts";
import { createConnection, type OpenConnection } from "./connection.ts";
import { checkRedfishDriverInfo, resolveRedfishTarget, validateRedfishNode } from "./driver-info.ts";
import { createRedfishPower } from "./power.ts";
import type { FetchLike } from "./transport.ts";

export interface RedfishHardware extends HardwareType {
  /** Logs out every cached session (DELETE on the BMC), best effort. */
  close(): Promise<void>;
}

export interface RedfishHardwareOptions {
  logger: Logger;
  config: ConductorConfig["redfish"];
  /** Network boot (PXE/iPXE): the hardware type only sets the boot device. */
  boot: BootInterface;
  /** Injected for tests; defaults to Bun's fetch. */
  fetch?: FetchLike;
}

/**
 * Creates the `redfish` hardware type.
 * @example
 * const redfish = createRedfishHardware({ logger, config: config.redfish, boot: pxeBoot });
 * await redfish.power.setPowerState(node, "power on");
 * await redfish.close();
 */
export function createRedfishHardware(options: RedfishHardwareOptions): RedfishHardware {
  const c = options.config;
  const log = options.logger.child({ driver: "redfish" });
  const doFetch: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  const cache = createConnectionCache(c.session_cache_size);
  const settings = { connectionAttempts: c.connection_attempts, connectionRetryIntervalS: c.connection_retry_interval_s };

  const open: OpenConnection = (node) => {
    const target = resolveRedfishTarget(node, { authType: c.auth_type, verifyCa: c.verify_ca });
    if ("reason" in target) throw conductorError("DRIVER_INFO_INVALID", { reason: target.reason });
    return { conn: cache.get(target, (t) => createConnection(t, { fetch: doFetch, logger: log, settings })), systemId: target.systemId };
  };
  const timing = { requestTimeoutS: c.request_timeout_s, pollIntervalMs: c.poll_interval_s * 1000 };

  return {
    name: "redfish",
    power: createRedfishPower({
      open,
      logger: log,
      settings: { ...timing, powerTimeoutS: c.power_state_change_timeout_s, softPowerTimeoutS: c.soft_power_off_timeout_s },
    }),
    management: createRedfishBootOverride({ open, logger: log, settings: timing }),
    boot: options.boot,
    checkDriverInfo: checkRedfishDriverInfo,
    validate: validateRedfishNode,
    close: () => cache.closeAll(),
  };
}
