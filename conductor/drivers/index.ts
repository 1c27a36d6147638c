/**
 * @module conductor/drivers
 * The hardware types this conductor can drive, by name (Ironic's `driver` field). A name in
 * `enabled_drivers` that no type here has is ignored (a node naming it gets NO_VALID_DRIVER).
 */
import type { Exec } from "../../common/exec.ts";
import type { Logger } from "../../common/logger.ts";
import type { ConductorConfig } from "../config/schema.ts";
import { conductorError } from "../errors.ts";
import { createFakeHardware } from "./fake/index.ts";
import { createIpmiHardware } from "./ipmi/index.ts";
import { createRedfishHardware } from "./redfish/index.ts";
import type { BootInterface, HardwareType } from "./driver-contract.ts";

export interface DriverRegistry {
  get(name: string): HardwareType;
  has(name: string): boolean;
  names(): string[];
  /** Releases what drivers hold (Redfish sessions are logged out). */
  close(): Promise<void>;
}

/**
 * Builds the registry of enabled drivers.
 * @example
 * const drivers = createDriverRegistry(config, { exec, logger });
 * await drivers.get(node.driver).power.setPowerState(node, "power on");
 */
export function createDriverRegistry(
  config: ConductorConfig,
  deps: { exec: Exec; logger: Logger; extra?: HardwareType[]; /** The PXE boot interface (conductor/boot). */ pxeBoot?: BootInterface },
): DriverRegistry {
  const all = new Map<string, HardwareType>();
  const fake = createFakeHardware({
    exec: deps.exec,
    logger: deps.logger,
    powerScript: config.fake_hardware.power_script,
    boot: config.fake_hardware.boot === "pxe" ? deps.pxeBoot : undefined,
  });
  all.set("fake-hardware", fake);
  // Real BMCs boot over the network (conductor/boot); a registry made without it (unit tests)
  // gives them the fake driver's recording boot.
  const networkBoot = deps.pxeBoot ?? fake.boot;
  all.set("ipmi", createIpmiHardware({ exec: deps.exec, logger: deps.logger, config: config.ipmi, boot: networkBoot }));
  const redfish = createRedfishHardware({ logger: deps.logger, config: config.redfish, boot: networkBoot });
  all.set("redfish", redfish);
  for (const d of deps.extra ?? []) all.set(d.name, d);
  const enabled = new Map([...all].filter(([n]) => config.enabled_drivers.includes(n)));
  return {
    get(name) {
      const d = enabled.get(name);
      if (!d) throw conductorError("NO_VALID_DRIVER", { driver: name });
      return d;
    },
    has: (name) => enabled.has(name),
    names: () => [...enabled.keys()],
    close: () => redfish.close(),
  };
}
