/**
 * @module conductor/drivers/fake
 * `fake-hardware` (Ironic's name): power and boot that only record what they were asked.
 * An optional script is run on each action, like ipmi_sim's chassis control, so a test can
 * start or stop the "machine" (an agent process) when the conductor powers it.
 */
import type { Exec } from "../../../common/exec.ts";
import type { Logger } from "../../../common/logger.ts";
import type { NodeRecord } from "../../store/node-record.ts";
import { BOOT_DEVICES, targetOf, type BootDevice, type BootInterface, type HardwareType, type PowerAction, type PowerState } from "../driver-contract.ts";

export interface FakeAction {
  node: string;
  kind: "power" | "boot" | "ramdisk" | "instance";
  value: string;
  at: number;
}

export interface FakeHardware extends HardwareType {
  /** Everything asked so far, oldest first. */
  readonly actions: readonly FakeAction[];
  /**
   * Calls `listener` on every action (a test's "machine" reacting to its BMC, as the power
   * script does for a process). Returns the unsubscribe function.
   */
  onAction(listener: (action: FakeAction) => void): () => void;
}

export interface FakeHardwareOptions {
  exec: Exec;
  logger: Logger;
  /** Program run as `script <uuid> power on|off|reboot` / `script <uuid> boot pxe|disk`. */
  powerScript?: string | null;
  /** A real boot interface (PXE) to call after recording; absent: ramdisk/instance are only recorded. */
  boot?: BootInterface;
}

/**
 * Creates the fake hardware type.
 * @example
 * const fake = createFakeHardware({ exec: createExec(), logger });
 * await fake.power.setPowerState(node, "power on");
 * fake.actions.at(-1); // { kind: "power", value: "power on", ... }
 */
export function createFakeHardware(options: FakeHardwareOptions): FakeHardware {
  const actions: FakeAction[] = [];
  const power = new Map<string, PowerState>();
  const boot = new Map<string, { device: BootDevice; persistent: boolean }>();
  const listeners = new Set<(action: FakeAction) => void>();

  async function record(node: NodeRecord, kind: FakeAction["kind"], value: string, scriptArgs?: string[]) {
    const action = { node: node.uuid, kind, value, at: Date.now() };
    actions.push(action);
    if (actions.length > 10_000) actions.splice(0, actions.length - 10_000);
    for (const l of listeners) l(action);
    options.logger.debug({ node: node.uuid, kind, value }, "fake-hardware action");
    if (options.powerScript && scriptArgs) {
      const r = await options.exec(options.powerScript, [node.uuid, ...scriptArgs], { timeoutMs: 30_000 });
      if (r.failed) options.logger.warn({ node: node.uuid, exitCode: r.exitCode, stderr: r.stderr.slice(0, 500) }, "fake power script failed");
    }
  }

  return {
    name: "fake-hardware",
    actions,
    onAction(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    validate: () => null,
    checkDriverInfo: () => null,
    power: {
      async getPowerState(node) {
        return power.get(node.uuid) ?? (node.power_state === "power on" ? "power on" : "power off");
      },
      async setPowerState(node, action: PowerAction) {
        const off = targetOf(action) === "power off";
        power.set(node.uuid, targetOf(action));
        await record(node, "power", action, ["power", action === "power on" ? "on" : off ? "off" : "reboot"]);
      },
    },
    management: {
      async setBootDevice(node, device, options) {
        boot.set(node.uuid, { device, persistent: options?.persistent ?? false });
        await record(node, "boot", device, ["boot", device]);
      },
      async getBootDevice(node) {
        const b = boot.get(node.uuid);
        return { boot_device: b?.device ?? null, persistent: b?.persistent ?? null };
      },
      async getSupportedBootDevices() {
        return [...BOOT_DEVICES];
      },
    },
    boot: {
      async prepareRamdisk(node, { kernelParams }) {
        await options.boot?.prepareRamdisk(node, { kernelParams });
        await record(node, "ramdisk", Object.entries(kernelParams).map(([k, v]) => `${k}=${v}`).join(" "));
      },
      async cleanUpRamdisk(node) {
        await options.boot?.cleanUpRamdisk(node);
        await record(node, "ramdisk", "cleaned up");
      },
      async prepareInstance(node) {
        await options.boot?.prepareInstance(node);
        await record(node, "instance", "boot from disk");
      },
    },
  };
}
