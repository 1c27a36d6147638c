/**
 * @module test/conductor/helpers/scripted-bmc
 * A hardware type whose BMC a test scripts: its power state, a failure every call throws, a
 * gate that holds calls (to see a node mid-action), and a record of every call with the
 * timeout it was given. It keeps the driver contract: writes idempotent, reads side-effect
 * free, errors are catalogued `BMC_*` errors.
 */
import { conductorError, type ConductorError } from "../../../conductor/errors.ts";
import type { BootDevice, BootDeviceSetting, HardwareType, PowerAction, PowerState } from "../../../conductor/drivers/driver-contract.ts";
import type { NodeRecord } from "../../../conductor/store/node-record.ts";

export interface ScriptedCall {
  method: string;
  node: string;
  arg?: string;
  timeoutS?: number;
}

export interface ScriptedBmc extends HardwareType {
  /** Power state per node UUID (default "power off"). */
  readonly power: HardwareType["power"];
  readonly state: Map<string, PowerState>;
  readonly calls: ScriptedCall[];
  /** Thrown by every BMC call while set. */
  failWith: ConductorError | null;
  /** While set, BMC calls wait for it. */
  gate: Promise<void> | null;
  supported: BootDevice[];
  /** Most BMC calls seen running at once. */
  maxConcurrent: number;
  /** Opens a gate; returns the function that releases it. */
  hold(): () => void;
  /** Calls of `method` so far. */
  count(method: string): number;
}

/**
 * @example
 * const bmc = createScriptedBmc();
 * tc = await startTestConductor({ enabled_drivers: ["fake-hardware", "scripted-bmc"] }, undefined, undefined, { extraDrivers: [bmc] });
 * bmc.failWith = conductorError("BMC_UNREACHABLE", { driver: "scripted-bmc", bmc: "127.0.0.1", reason: "no route" });
 */
export function createScriptedBmc(): ScriptedBmc {
  const state = new Map<string, PowerState>();
  const boot = new Map<string, BootDeviceSetting>();
  let concurrent = 0;
  const self: ScriptedBmc = {
    name: "scripted-bmc",
    state,
    calls: [],
    failWith: null,
    gate: null,
    supported: ["pxe", "disk"],
    maxConcurrent: 0,
    hold() {
      let open!: () => void;
      self.gate = new Promise<void>((r) => (open = r));
      return () => {
        self.gate = null;
        open();
      };
    },
    count: (method) => self.calls.filter((c) => c.method === method).length,
    validate: (node) => (node.driver_info.scripted_broken ? "Missing the following scripted credentials in node's driver_info: scripted_address." : null),
    checkDriverInfo(info) {
      const port = info.scripted_port;
      if (port !== undefined && !(Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535)) {
        return `scripted_port must be an integer between 1 and 65535, got ${JSON.stringify(port)}`;
      }
      return null;
    },
    power: {
      getPowerState: (node) => bmcCall(node, "getPowerState", undefined, undefined, async () => state.get(node.uuid) ?? "power off"),
      setPowerState: (node, action: PowerAction, options) =>
        bmcCall(node, "setPowerState", action, options?.timeoutS, async () => {
          state.set(node.uuid, action === "power off" || action === "soft power off" ? "power off" : "power on");
        }),
    },
    management: {
      setBootDevice: (node, device, options) =>
        bmcCall(node, "setBootDevice", device, undefined, async () => {
          if (!self.supported.includes(device)) throw conductorError("BMC_UNSUPPORTED", { driver: "scripted-bmc", bmc: "127.0.0.1", what: `boot device ${device}` });
          boot.set(node.uuid, { boot_device: device, persistent: options?.persistent ?? false });
        }),
      getBootDevice: (node) => bmcCall(node, "getBootDevice", undefined, undefined, async () => boot.get(node.uuid) ?? { boot_device: null, persistent: null }),
      getSupportedBootDevices: async () => [...self.supported],
    },
    boot: {
      prepareRamdisk: async () => {},
      cleanUpRamdisk: async () => {},
      prepareInstance: async () => {},
    },
  };

  async function bmcCall<T>(node: NodeRecord, method: string, arg: string | undefined, timeoutS: number | undefined, fn: () => Promise<T>): Promise<T> {
    self.calls.push({ method, node: node.uuid, arg, timeoutS });
    concurrent++;
    self.maxConcurrent = Math.max(self.maxConcurrent, concurrent);
    try {
      if (self.gate) await self.gate;
      if (self.failWith) throw self.failWith;
      return await fn();
    } finally {
      concurrent--;
    }
  }
  return self;
}
