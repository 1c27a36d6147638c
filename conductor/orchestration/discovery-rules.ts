/**
 * @module conductor/orchestration/discovery-rules
 * What discovery makes of an unknown server's inventory, as pure functions: whether an
 * ignore rule matches (vendor regex, MAC prefix), the BMC address worth keeping, the name
 * the node may take, and the `properties` it gets (inspection's rules plus `boot_mode`).
 */
import { nodeNameProblem } from "../../protocol/ironic-fields.ts";
import type { Inventory } from "../../protocol/inventory.ts";
import type { DiscoveryConfig } from "../config/discovery-schema.ts";
import { propertiesFromInventory } from "./inspection.ts";

/**
 * The ignore rule the server matches, or null.
 * @example
 * ignoredBy(cfg, inv, ["52:54:00:12:34:56"]); // "mac prefix 52:54:00" when cfg.ignore.mac_prefixes has it
 */
export function ignoredBy(cfg: DiscoveryConfig, inv: Inventory, macs: readonly string[]): string | null {
  for (const prefix of cfg.ignore.mac_prefixes) {
    if (macs.some((m) => m.startsWith(prefix))) return `mac prefix ${prefix}`;
  }
  const vendor = inv.system_vendor;
  const texts = [vendor.manufacturer, vendor.product_name].filter((s): s is string => typeof s === "string").map((s) => s.slice(0, 256));
  for (const pattern of cfg.ignore.vendors) {
    const re = new RegExp(pattern, "i");
    if (texts.some((t) => re.test(t))) return `vendor ${pattern}`;
  }
  return null;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * The BMC address for `driver_info.ipmi_address`: an IPv4 (IPA reports `0.0.0.0` when the
 * BMC has none) or else an IPv6 other than `::`, as ironic-inspector's discovery hook.
 */
export function bmcAddress(inv: Inventory): string | null {
  const v4 = inv.bmc_address;
  if (typeof v4 === "string" && IPV4.test(v4) && v4 !== "0.0.0.0" && v4 !== "255.255.255.255") return v4;
  const v6 = inv.bmc_v6address;
  if (typeof v6 === "string" && v6.length <= 45 && /^[0-9a-fA-F:.]+$/.test(v6) && v6.includes(":") && !/^[0:]+$/.test(v6)) {
    try {
      if (new URL(`http://[${v6}]/`).hostname) return v6.toLowerCase();
    } catch {
      return null;
    }
  }
  return null;
}

/** The inventory's hostname as a node name, when it is a valid Ironic name. */
export function nameFromHostname(inv: Inventory): string | null {
  const h = inv.hostname;
  if (typeof h !== "string" || !h || h === "localhost" || h.length > 255) return null;
  return nodeNameProblem(h) ? null : h.toLowerCase();
}

/** `properties` of a discovered node: inspection's cpus/memory_mb/local_gb/cpu_arch and `capabilities: boot_mode:X`. */
export function discoveredProperties(inv: Inventory): Record<string, unknown> {
  return { ...propertiesFromInventory(inv as unknown as Record<string, unknown>), capabilities: `boot_mode:${inv.boot.current_boot_mode}` };
}
