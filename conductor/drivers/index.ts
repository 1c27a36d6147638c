/**
 * @module conductor/drivers
 * The hardware types this conductor can drive, by name (Ironic's `driver` field).
 */
import type { Exec } from "../../common/exec.ts";
import type { Logger } from "../../common/logger.ts";
import type { ConductorConfig } from "../config/schema.ts";
import { conductorError } from "../errors.ts";
import { createFakeHardware } from "./fake/index.ts";
import type { BootInterface, HardwareType } from "./driver-contract.ts";

export interface DriverRegistry {
  get(name: string): HardwareType;
  has(name: string): boolean;
  names(): string[];
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
  const fakeBoot = config.fake_hardware.boot === "pxe" ? deps.pxeBoot : undefined;
  all.set("fake-hardware", createFakeHardware({ exec: deps.exec, logger: deps.logger, powerScript: config.fake_hardware.power_script, boot: fakeBoot }));
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
  };
}
