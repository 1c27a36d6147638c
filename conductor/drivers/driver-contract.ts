/**
 * @module conductor/drivers/driver-contract
 * The contract a hardware type implements (Ironic's `driver`): power and management through
 * the node's BMC, and network boot. `fake-hardware` records what it is asked (power and boot
 * device kept in memory, never a timeout); `ipmi` (ipmitool) and `redfish` (HTTPS) talk to
 * real BMCs and boot over the network through the `BootInterface` the registry
 * (`drivers/index.ts`) hands them.
 *
 * Rules every implementation keeps, so callers can rely on them:
 * - A method that talks to a BMC either resolves or throws a catalogued error
 *   (`conductor/errors.ts`) whose code says what went wrong: `BMC_AUTH_FAILED`,
 *   `BMC_UNREACHABLE`, `BMC_TIMEOUT`, `BMC_UNSUPPORTED`, else `BMC_ERROR`; the message carries
 *   the BMC's reason, fit for `last_error`. It never throws for a missing credential it could
 *   have reported in `validate`.
 * - Reads (`getPowerState`, `getBootDevice`, `getSupportedBootDevices`) change nothing and may
 *   be called at any time, concurrently; the driver serialises what its BMC needs serialised.
 * - Writes are idempotent: asking for the state the node is already in succeeds (and sends
 *   no power command).
 * - Anything may take long (a BMC is slow, a soft power-off waits for the OS): every method
 *   bounds its own time and fails with `BMC_TIMEOUT` rather than hanging. Who chooses the
 *   bound of a power action: the caller, through `PowerOptions.timeoutS`. The conductor always
 *   passes its `power.action_timeout_s` / `power.soft_power_off_timeout_s` (or the request's
 *   `timeout`), and guards every call with that bound plus a grace
 *   (`orchestration/power-timeouts.ts`); a driver's own configured wait (`ipmi.power_wait_s`,
 *   `redfish.power_state_change_timeout_s` / `soft_power_off_timeout_s`) is only the default
 *   for a call made without one (tools, tests). Reads are bounded by the driver's per-request
 *   limits (ipmitool's retransmits, `redfish.request_timeout_s`).
 * - Nothing here writes the store: callers record `power_state`, `last_error` and history.
 * - Secrets in `driver_info` (passwords) never reach argv, logs or error messages. Which keys
 *   are secrets: `common/secrets.ts` (`SECRET_KEY`), masked `******` in every view.
 */
import type { NodeRecord } from "../store/node-record.ts";

export type PowerState = "power on" | "power off";
/** Ironic's `target` values of `PUT /v1/nodes/{id}/states/power`. */
export type PowerAction = "power on" | "power off" | "rebooting" | "soft power off" | "soft rebooting";
export const POWER_ACTIONS: readonly PowerAction[] = ["power on", "power off", "rebooting", "soft power off", "soft rebooting"];

/**
 * The power state an action ends in (Ironic's `_calculate_target_state`): off for the two
 * power offs, on for power on and both reboots.
 * @example
 * targetOf("soft rebooting"); // "power on"
 */
export function targetOf(action: PowerAction): PowerState {
  return action === "power off" || action === "soft power off" ? "power off" : "power on";
}

/** Ironic's boot devices (`ironic.common.boot_devices`). */
export type BootDevice = "pxe" | "disk" | "cdrom" | "bios" | "safe";
export const BOOT_DEVICES: readonly BootDevice[] = ["pxe", "disk", "cdrom", "bios", "safe"];

/** The firmware's mode, from the node (`properties.capabilities` `boot_mode`, default uefi). */
export type BootMode = "uefi" | "bios";

export interface PowerOptions {
  /**
   * Seconds to wait for the node to reach the target (soft actions wait for the OS); for a
   * reboot the bound counts once per phase (off, then on), as in Ironic. The conductor always
   * gives it; without it the driver uses its own configured default.
   */
  timeoutS?: number;
}

export interface PowerInterface {
  /** Reads the power state from the BMC. */
  getPowerState(node: NodeRecord): Promise<PowerState>;
  /**
   * Performs `action` and resolves once the node has reached `targetOf(action)` (reboots:
   * once the node is on again; a reboot of a node that is off powers it on), or throws
   * `BMC_TIMEOUT` once `timeoutS` has passed in a phase. A BMC that cannot do the action
   * (no soft power off) throws `BMC_UNSUPPORTED`.
   */
  setPowerState(node: NodeRecord, action: PowerAction, options?: PowerOptions): Promise<void>;
}

export interface BootDeviceSetting {
  /** null when the BMC does not say. */
  boot_device: BootDevice | null;
  persistent: boolean | null;
}

export interface ManagementInterface {
  /**
   * Sets the next boot device (`persistent`: every boot, default false: next boot only),
   * in the node's boot mode (UEFI or legacy). Throws `BMC_UNSUPPORTED` for a device the BMC
   * cannot select.
   */
  setBootDevice(node: NodeRecord, device: BootDevice, options?: { persistent?: boolean }): Promise<void>;
  getBootDevice(node: NodeRecord): Promise<BootDeviceSetting>;
  /** The devices `setBootDevice` accepts for this node. No BMC call needed for most drivers. */
  getSupportedBootDevices(node: NodeRecord): Promise<BootDevice[]>;
}

export interface RamdiskOptions {
  /** Kernel parameters the agent will read (ipa-api-url, ...). */
  kernelParams: Record<string, string>;
}

export interface BootInterface {
  /**
   * Makes the node boot the agent ramdisk next time it network-boots (its iPXE script and
   * DHCP entries). Idempotent; does not power the node or set its boot device.
   */
  prepareRamdisk(node: NodeRecord, options: RamdiskOptions): Promise<void>;
  /** Undoes `prepareRamdisk`: the node's network boot no longer leads to the ramdisk. Idempotent. */
  cleanUpRamdisk(node: NodeRecord): Promise<void>;
  /** Makes the node boot its deployed OS next time (a local-boot script). Idempotent. */
  prepareInstance(node: NodeRecord): Promise<void>;
}

/** One interface's answer in `GET /v1/nodes/{id}/validate`. */
export interface InterfaceValidation {
  /** true: usable; false: not, see reason; null: not applicable to this driver. */
  result: boolean | null;
  reason: string | null;
}

/** The interfaces `GET /v1/nodes/{id}/validate` reports on, by Ironic's names. */
export type ValidatedInterface = "power" | "management" | "boot" | "deploy" | "console" | "inspect" | "raid" | "rescue" | "bios" | "network" | "storage";

export interface HardwareType {
  readonly name: string;
  readonly power: PowerInterface;
  readonly management: ManagementInterface;
  readonly boot: BootInterface;
  /**
   * Checks the shape of `driver_info` at create/update: a malformed field (wrong type, port
   * out of range, unknown cipher suite) is a reason naming it; a missing required field is
   * fine here (reported by `validate`). Returns null when acceptable.
   */
  checkDriverInfo(driverInfo: Record<string, unknown>): string | null;
  /**
   * Whether the node can be driven: required driver_info present and well formed (Ironic's
   * wording: "Missing the following IPMI credentials in node's driver_info: ipmi_address").
   * Makes no BMC call. Returns a reason when it cannot work, null when fine.
   */
  validate(node: NodeRecord): string | null;
}

/** The node's firmware boot mode: `properties.capabilities` `boot_mode` (string or dict form), else `uefi`. */
export function nodeBootMode(node: Pick<NodeRecord, "properties" | "instance_info">): BootMode {
  const fromCaps = (caps: unknown): string | undefined => {
    if (typeof caps === "string") return /(?:^|,)\s*boot_mode:(\w+)/.exec(caps)?.[1];
    if (caps && typeof caps === "object") return String((caps as Record<string, unknown>).boot_mode ?? "") || undefined;
    return undefined;
  };
  const mode = fromCaps((node.instance_info as Record<string, unknown>)?.capabilities) ?? fromCaps(node.properties?.capabilities);
  return mode === "bios" ? "bios" : "uefi";
}
