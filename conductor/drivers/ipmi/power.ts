/**
 * @module conductor/drivers/ipmi/power
 * IPMI power, as Ironic's `IPMIPower` does it: `chassis power on|off|soft`, then poll
 * `chassis power status` until the node is there, bounded by the timeout. A reboot is off
 * (if on), wait, on, wait (Ironic's `reboot`, not `power cycle`: a cycle's off may not show
 * yet when we first poll); a soft reboot is soft off, wait for the OS, on, wait. For reboots
 * the timeout counts once per phase, as in Ironic. Asking for the state the node is in
 * sends no power command.
 */
import { conductorError } from "../../errors.ts";
import type { NodeRecord } from "../../store/node-record.ts";
import type { PowerAction, PowerInterface, PowerState } from "../driver-contract.ts";
import type { IpmiTarget } from "./driver-info.ts";
import { bmcLabel } from "./ipmitool-args.ts";
import type { IpmiConfig, IpmitoolClient } from "./ipmitool-client.ts";
import { parsePowerStatus } from "./parse-output.ts";

interface Deps {
  client: IpmitoolClient;
  config: IpmiConfig;
  /** The node's BMC, or throws DRIVER_INFO_INVALID. */
  target(node: NodeRecord): IpmiTarget;
}

const COMMANDS = {
  on: { command: ["chassis", "power", "on"], expect: /Chassis Power Control: Up\/On/ },
  off: { command: ["chassis", "power", "off"], expect: /Chassis Power Control: Down\/Off/ },
  soft: { command: ["chassis", "power", "soft"], expect: /Chassis Power Control: Soft/ },
} as const;

/**
 * @example
 * const power = createIpmiPower({ client, config: config.ipmi, target });
 * await power.setPowerState(node, "soft power off", { timeoutS: 120 });
 */
export function createIpmiPower(deps: Deps): PowerInterface {
  const { client, config } = deps;

  async function status(t: IpmiTarget): Promise<PowerState> {
    const out = await client.run(t, { command: ["chassis", "power", "status"], action: "power status", expect: /Chassis Power is (on|off)/ });
    const state = parsePowerStatus(out);
    if (!state) throw conductorError("BMC_ERROR", { driver: "IPMI", action: "power status", bmc: bmcLabel(t), reason: `unexpected answer: ${out.trim().slice(0, 200)}` });
    return state;
  }

  /** Polls until `want`; BMC_TIMEOUT after `timeoutS`. */
  async function waitFor(t: IpmiTarget, want: PowerState, timeoutS: number, action: string, why: string): Promise<void> {
    const started = Date.now();
    const deadline = started + timeoutS * 1000;
    for (;;) {
      if ((await status(t)) === want) return;
      if (Date.now() >= deadline) {
        throw conductorError("BMC_TIMEOUT", { driver: "IPMI", bmc: bmcLabel(t), action, seconds: timeoutS, reason: `${why}; the node is still not ${want}` });
      }
      await Bun.sleep(Math.min(config.power_poll_interval_s * 1000, Math.max(0, deadline - Date.now())));
    }
  }

  async function act(t: IpmiTarget, kind: keyof typeof COMMANDS, want: PowerState, timeoutS: number, action: string) {
    await client.run(t, { ...COMMANDS[kind], command: [...COMMANDS[kind].command], action });
    const why = kind === "soft" ? "the OS did not power off after the soft power-off (ACPI) request" : `the BMC accepted "chassis power ${kind}"`;
    await waitFor(t, want, timeoutS, action, why);
  }

  return {
    async getPowerState(node) {
      return status(deps.target(node));
    },
    async setPowerState(node, action: PowerAction, options = {}) {
      const t = deps.target(node);
      const timeoutS = options.timeoutS ?? config.power_wait_s;
      const now = await status(t);
      switch (action) {
        case "power on":
          if (now !== "power on") await act(t, "on", "power on", timeoutS, action);
          return;
        case "power off":
          if (now !== "power off") await act(t, "off", "power off", timeoutS, action);
          return;
        case "soft power off":
          if (now !== "power off") await act(t, "soft", "power off", timeoutS, action);
          return;
        case "rebooting":
          if (now !== "power off") await act(t, "off", "power off", timeoutS, action);
          await act(t, "on", "power on", timeoutS, action);
          return;
        case "soft rebooting":
          if (now !== "power off") await act(t, "soft", "power off", timeoutS, action);
          await act(t, "on", "power on", timeoutS, action);
          return;
        default:
          throw conductorError("BMC_UNSUPPORTED", { driver: "IPMI", bmc: bmcLabel(t), what: `power action "${String(action)}"` });
      }
    },
  };
}
