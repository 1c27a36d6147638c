/**
 * @module conductor/drivers/driver-contract
 * The contracts a hardware type implements: power, management (boot device) and boot
 * (ramdisk/instance preparation). `fake-hardware` records; IPMI/Redfish/PXE come next.
 */
import type { NodeRecord } from "../store/node-record.ts";

export type PowerState = "power on" | "power off";
export type PowerAction = "power on" | "power off" | "rebooting";
export type BootDevice = "pxe" | "disk";

export interface PowerInterface {
  getPowerState(node: NodeRecord): Promise<PowerState>;
  setPowerState(node: NodeRecord, action: PowerAction): Promise<void>;
}

export interface ManagementInterface {
  setBootDevice(node: NodeRecord, device: BootDevice, options?: { persistent?: boolean }): Promise<void>;
  getBootDevice(node: NodeRecord): Promise<BootDevice | null>;
}

export interface RamdiskOptions {
  /** Kernel parameters the agent will read (ipa-api-url, ...). */
  kernelParams: Record<string, string>;
}

export interface BootInterface {
  /** Makes the node boot the agent ramdisk next time (iPXE script, boot device). */
  prepareRamdisk(node: NodeRecord, options: RamdiskOptions): Promise<void>;
  cleanUpRamdisk(node: NodeRecord): Promise<void>;
  /** Makes the node boot its deployed OS next time. */
  prepareInstance(node: NodeRecord): Promise<void>;
}

export interface HardwareType {
  readonly name: string;
  readonly power: PowerInterface;
  readonly management: ManagementInterface;
  readonly boot: BootInterface;
  /** Checks driver_info; returns a reason when it cannot work, null when fine. */
  validate(node: NodeRecord): string | null;
}

/** Keys in driver_info whose values are secrets, shown as `******`. */
export const SECRET_DRIVER_INFO = /password|secret|token|passphrase|key$/i;
