/**
 * @module conductor/drivers/interfaces
 * Ironic's hardware interfaces as data: the implementations Teeth has for each interface kind,
 * which of them each hardware type supports (in Ironic's order of preference), and how a
 * node's interfaces are chosen and checked at create and patch time. The config's
 * `interfaces.enabled` / `interfaces.defaults` are Ironic's `enabled_*_interfaces` /
 * `default_*_interface`.
 */
import { conductorError } from "../errors.ts";

export const INTERFACE_KINDS = [
  "bios", "boot", "console", "deploy", "firmware", "inspect", "management", "network", "power", "raid", "rescue", "storage", "vendor",
] as const;
export type InterfaceKind = (typeof INTERFACE_KINDS)[number];
export type InterfaceField = `${InterfaceKind}_interface`;
export const INTERFACE_FIELDS = INTERFACE_KINDS.map((k) => `${k}_interface` as InterfaceField);

type PerKind = Readonly<Record<InterfaceKind, readonly string[]>>;

/**
 * What Teeth implements (Ironic's entry points). `fake` deploy finishes a deploy at once and
 * has no clean steps; `fake` inspect finishes at once; the `no-*` ones refuse their operation.
 * Not here, so refused as unknown: `ramdisk`/`custom-agent` deploy, `redfish-virtual-media`
 * boot, `redfish` raid/bios/firmware/inspect, console implementations.
 */
export const IMPLEMENTATIONS: PerKind = {
  bios: ["no-bios", "fake"],
  boot: ["ipxe", "pxe", "fake"],
  console: ["no-console", "fake"],
  deploy: ["direct", "fake"],
  firmware: ["no-firmware", "fake"],
  inspect: ["agent", "no-inspect", "fake"],
  management: ["ipmitool", "redfish", "fake", "noop"],
  network: ["noop"],
  power: ["ipmitool", "redfish", "fake"],
  raid: ["no-raid", "agent", "fake"],
  rescue: ["no-rescue", "fake"],
  storage: ["noop"],
  vendor: ["no-vendor", "fake"],
};

/** Ironic's enabled_*_interfaces as Teeth ships them: everything it implements. */
export const DEFAULT_ENABLED: PerKind = IMPLEMENTATIONS;

const GENERIC = { bios: ["no-bios"], console: ["no-console"], deploy: ["direct"], firmware: ["no-firmware"], inspect: ["agent", "no-inspect"], network: ["noop"], raid: ["no-raid", "agent"], rescue: ["no-rescue"], storage: ["noop"], vendor: ["no-vendor"] };

/** Per hardware type: the supported implementations, the first enabled one being the default. */
export const SUPPORTED: Readonly<Record<string, PerKind>> = {
  ipmi: { ...GENERIC, boot: ["ipxe", "pxe"], management: ["ipmitool", "noop"], power: ["ipmitool"] },
  redfish: { ...GENERIC, boot: ["ipxe", "pxe"], management: ["redfish", "noop"], power: ["redfish"] },
  // Ironic's fake-hardware takes any enabled implementation; this order only picks defaults
  // (the agent-driven deploy and inspection, so fake nodes exercise the real flows unless asked).
  "fake-hardware": {
    bios: ["no-bios", "fake"], boot: ["fake", "ipxe", "pxe"], console: ["no-console", "fake"], deploy: ["direct", "fake"],
    firmware: ["no-firmware", "fake"], inspect: ["agent", "fake", "no-inspect"], management: ["fake", "noop"], network: ["noop"],
    power: ["fake"], raid: ["no-raid", "agent", "fake"], rescue: ["no-rescue", "fake"], storage: ["noop"], vendor: ["no-vendor", "fake"],
  },
};

/** Ironic's hardware type class names, used in its IncompatibleInterface message. */
const CLASS_NAME: Record<string, string> = { ipmi: "IPMIHardware", redfish: "RedfishHardware", "fake-hardware": "FakeHardware" };

/**
 * What a node stored before interfaces were kept per node has (the defaults Teeth showed then);
 * a node created now stores every interface.
 */
export const LEGACY_DEFAULTS: Readonly<Record<InterfaceField, string>> = {
  bios_interface: "no-bios", boot_interface: "fake", console_interface: "no-console", deploy_interface: "direct",
  firmware_interface: "no-firmware", inspect_interface: "agent", management_interface: "fake", network_interface: "noop",
  power_interface: "fake", raid_interface: "no-raid", rescue_interface: "no-rescue", storage_interface: "noop", vendor_interface: "no-vendor",
};

/** The node's implementation of `kind`. */
export function nodeInterface(node: { attrs: Record<string, unknown> }, kind: InterfaceKind): string {
  const v = node.attrs[`${kind}_interface`];
  return typeof v === "string" ? v : LEGACY_DEFAULTS[`${kind}_interface`];
}

export interface InterfaceConfig {
  enabled: Partial<Record<InterfaceKind, readonly string[]>>;
  defaults: Partial<Record<InterfaceKind, string>>;
}

const pyList = (xs: readonly string[]) => `[${xs.map((x) => `'${x}'`).join(", ")}]`;

function supportedBy(driver: string, kind: InterfaceKind): readonly string[] {
  return SUPPORTED[driver]?.[kind] ?? IMPLEMENTATIONS[kind];
}

export function enabledOf(cfg: InterfaceConfig, kind: InterfaceKind): readonly string[] {
  return cfg.enabled[kind] ?? DEFAULT_ENABLED[kind];
}

/** Checks one implementation for a hardware type: 400 with Ironic's messages when not enabled or not supported. */
export function checkInterface(cfg: InterfaceConfig, driver: string, kind: InterfaceKind, impl: string): void {
  const enabled = enabledOf(cfg, kind);
  if (!enabled.includes(impl)) {
    throw conductorError("INVALID_PARAMETER", {
      reason: `Could not find the following interface in the 'ironic.hardware.interfaces.${kind}' entrypoint: ${impl}. Valid interfaces are ${pyList(enabled)}.`,
    });
  }
  if (driver !== "fake-hardware" && !supportedBy(driver, kind).includes(impl)) {
    throw conductorError("INVALID_PARAMETER", { reason: `${kind} interface implementation '${impl}' is not supported by hardware type ${CLASS_NAME[driver] ?? driver}.` });
  }
}

/** The default implementation of `kind` for `driver` (Ironic's `default_interface`). */
export function defaultInterface(cfg: InterfaceConfig, driver: string, kind: InterfaceKind, node?: string): string {
  const noDefault = () =>
    conductorError("INVALID_PARAMETER", {
      reason: `For${node ? ` node ${node} with` : ""} hardware type '${driver}', no default value found for ${kind} interface could be determined. Please ensure the interfaces are enabled.`,
    });
  const configured = cfg.defaults[kind];
  if (configured) {
    if (!enabledOf(cfg, kind).includes(configured) || (driver !== "fake-hardware" && !supportedBy(driver, kind).includes(configured))) throw noDefault();
    return configured;
  }
  const enabled = enabledOf(cfg, kind);
  const found = supportedBy(driver, kind).find((i) => enabled.includes(i));
  if (!found) throw noDefault();
  return found;
}

/**
 * A node's interfaces after create or patch: each one given is checked, each missing one gets
 * the default (Ironic's `check_and_update_node_interfaces`).
 * @example
 * resolveInterfaces(cfg, "ipmi", { boot_interface: "ipxe" }); // { boot_interface: "ipxe", power_interface: "ipmitool", ... }
 */
export function resolveInterfaces(cfg: InterfaceConfig, driver: string, given: Partial<Record<string, unknown>>, node?: string): Record<InterfaceField, string> {
  const out = {} as Record<InterfaceField, string>;
  for (const kind of INTERFACE_KINDS) {
    const field = `${kind}_interface` as const;
    const v = given[field];
    if (typeof v === "string") {
      checkInterface(cfg, driver, kind, v);
      out[field] = v;
    } else out[field] = defaultInterface(cfg, driver, kind, node);
  }
  return out;
}

/**
 * A driver's `default_*_interface` and `enabled_*_interfaces` for `GET /v1/drivers?detail=True`
 * (null for a kind with no valid default, as Ironic).
 */
export function driverInterfaceInfo(cfg: InterfaceConfig, driver: string): Record<string, string | string[] | null> {
  const out: Record<string, string | string[] | null> = {};
  for (const kind of INTERFACE_KINDS) {
    let d: string | null;
    try {
      d = defaultInterface(cfg, driver, kind);
    } catch {
      d = null;
    }
    out[`default_${kind}_interface`] = d;
  }
  for (const kind of INTERFACE_KINDS) {
    const enabled = enabledOf(cfg, kind);
    out[`enabled_${kind}_interfaces`] = driver === "fake-hardware" ? [...enabled] : supportedBy(driver, kind).filter((i) => enabled.includes(i));
  }
  return out;
}
