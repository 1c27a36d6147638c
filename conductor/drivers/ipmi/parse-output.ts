/**
 * @module conductor/drivers/ipmi/parse-output
 * Reads ipmitool's answers: `chassis power status` and `chassis bootparam get 5` (the boot
 * flags), the way Ironic's ipmitool driver reads them (`_power_status`, `get_boot_device`).
 */
import type { BootDevice, BootDeviceSetting, PowerState } from "../driver-contract.ts";

/**
 * "Chassis Power is on" / "... off"; null for anything else (Ironic's `states.ERROR`).
 * @example
 * parsePowerStatus("Chassis Power is on\n"); // "power on"
 */
export function parsePowerStatus(stdout: string): PowerState | null {
  const m = /^Chassis Power is (on|off)\s*$/m.exec(stdout);
  return m ? (m[1] === "on" ? "power on" : "power off") : null;
}

export interface BootFlags extends BootDeviceSetting {
  /** "BIOS EFI boot" vs "BIOS PC Compatible (legacy) boot"; null when not shown. */
  uefi: boolean | null;
}

/**
 * The boot device selector and persistence of `chassis bootparam get 5`. "No override" is
 * a null device; null persistence when ipmitool printed no boot flags at all.
 * @example
 * parseBootParam(out); // { boot_device: "pxe", persistent: false, uefi: false }
 */
export function parseBootParam(stdout: string): BootFlags {
  const selector = /Boot Device Selector : (.+)/.exec(stdout)?.[1] ?? "";
  let device: BootDevice | null = null;
  if (selector.includes("PXE")) device = "pxe";
  else if (selector.includes("Hard-Drive")) device = selector.includes("Safe-Mode") ? "safe" : "disk";
  else if (selector.includes("BIOS")) device = "bios";
  else if (selector.includes("CD/DVD")) device = "cdrom";
  const hasFlags = /Boot Flags :/.test(stdout);
  return {
    boot_device: device,
    persistent: hasFlags ? stdout.includes("Options apply to all future boots") : null,
    uefi: stdout.includes("BIOS EFI boot") ? true : stdout.includes("BIOS PC Compatible (legacy) boot") ? false : null,
  };
}
