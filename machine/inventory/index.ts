/**
 * @module agent/inventory
 * The agent's view of its hardware: `collectInventory` builds IPA's inventory JSON and
 * `selectInstallDevice` picks the disk an image goes to from it.
 */
export { collectInventory, type InventoryDeps } from "./collect-inventory.ts";
export {
  selectInstallDevice,
  parseRootDeviceHints,
  diskMatches,
  MIN_ROOT_DISK_BYTES,
  type ParsedHints,
} from "./root-device-hints.ts";
export { normalizeBootif } from "./boot.ts";
export { createSysFs, type SysFs } from "./sysfs.ts";
export { createSystemInfoProbe, type SystemInfoProbe } from "./system-info.ts";
export { systemAddresses, type AddressSource } from "./interfaces.ts";
