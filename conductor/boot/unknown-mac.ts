/**
 * @module conductor/boot/unknown-mac
 * Whether a MAC no port has is answered with the agent's RAM disk (by dnsmasq and by its
 * `/boot/{mac}.ipxe` script) or left alone. `boot.unknown_mac: auto` (the default) ties it to
 * discovery, as Ironic's PXE filter opens DHCP to unknown MACs exactly when
 * `[auto_discovery] enabled`: a server nobody enrolled can boot only if it may then enroll
 * itself. `ramdisk` and `none` are the explicit choices (e.g. `none` where another DHCP
 * server boots unknown servers, `ramdisk` to let them boot an agent that only looks up).
 */
import type { ConductorConfig } from "../config/schema.ts";

/**
 * @example
 * unknownMacBoots({ boot: { unknown_mac: "auto" }, discovery: { enabled: true } }); // true
 */
export function unknownMacBoots(config: { boot: Pick<ConductorConfig["boot"], "unknown_mac">; discovery: Pick<ConductorConfig["discovery"], "enabled"> }): boolean {
  const choice = config.boot.unknown_mac;
  return choice === "ramdisk" || (choice === "auto" && config.discovery.enabled);
}

/**
 * The warning for a choice that cannot do what discovery is for, or null: discovery on but
 * unknown MACs refused, so only servers booted some other way (another DHCP server, virtual
 * media) can enroll themselves.
 */
export function unknownMacWarning(config: Pick<ConductorConfig, "boot" | "discovery">): string | null {
  if (config.discovery.enabled && config.boot.unknown_mac === "none") {
    return "discovery.enabled with boot.unknown_mac none: the conductor's dnsmasq ignores unknown MACs, so only servers booted some other way can enroll themselves (set boot.unknown_mac to auto or ramdisk)";
  }
  return null;
}
