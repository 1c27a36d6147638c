/**
 * @module machine/inventory/interfaces
 * The `interfaces` section: as IPA, the NICs that have a backing device
 * (/sys/class/net/X/device), which leaves out lo, bridges, bonds, veths and tunnels.
 * Addresses come from getifaddrs (node:os) through a seam, since /sys holds none.
 */
import { networkInterfaces } from "node:os";
import type { Interface } from "../../protocol/inventory.ts";
import { nonEmpty, toInt, type HostFs } from "../host-fs.ts";

/** One address of an interface, as `os.networkInterfaces()` reports it. */
export interface InterfaceAddress {
  family: "IPv4" | "IPv6" | string | number;
  address: string;
  /** Present on IPv6 addresses: 0 for global, the interface index for link-local. */
  scopeid?: number;
}

/** Addresses by interface name. */
export type AddressSource = () => Record<string, readonly InterfaceAddress[] | undefined>;

/** The live source: the kernel's getifaddrs(3) through Node. */
export const systemAddresses: AddressSource = () => networkInterfaces();

const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-9a-f]$/i;

function isIPv4(a: InterfaceAddress): boolean {
  return a.family === "IPv4" || a.family === 4;
}
function isIPv6(a: InterfaceAddress): boolean {
  return a.family === "IPv6" || a.family === 6;
}

/** First IPv4, and the first global IPv6 (link-local only when it is the only one). */
export function pickAddresses(list: readonly InterfaceAddress[] | undefined): { v4: string | null; v6: string | null } {
  const v4 = list?.find(isIPv4)?.address ?? null;
  const v6all = (list ?? []).filter(isIPv6);
  const v6 = v6all.find((a) => !a.address.toLowerCase().startsWith("fe80:")) ?? v6all[0];
  return { v4, v6: v6 ? v6.address.split("%")[0]! : null };
}

/**
 * PCI address of a NIC: the device itself (e1000e, ixgbe) or its parent for devices that sit
 * on a bus below PCI (virtio-net's "virtio2" lives under the PCI function).
 */
async function pciAddress(fs: HostFs, name: string): Promise<string | null> {
  const device = await fs.resolve(`/sys/class/net/${name}/device`);
  if (!device) return null;
  const parts = device.split("/");
  const self = parts.at(-1) ?? "";
  if (PCI_ADDRESS.test(self)) return self;
  const parent = parts.at(-2) ?? "";
  return PCI_ADDRESS.test(parent) ? parent : null;
}

async function driverName(fs: HostFs, name: string): Promise<string | null> {
  const module = await fs.link(`/sys/class/net/${name}/device/driver/module`);
  const driver = module ?? (await fs.link(`/sys/class/net/${name}/device/driver`));
  return driver ? nonEmpty(driver.split("/").pop()) : null;
}

/**
 * Collects the `interfaces` section, in name order.
 * @example
 * const nics = await collectInterfaces({ fs: createHostFs("/"), addresses: systemAddresses });
 * nics[0]; // { name: "eth0", mac_address: "02:fc:00:00:00:01", pci_address: "0000:00:03.0", ... }
 */
export async function collectInterfaces(deps: { fs: HostFs; addresses: AddressSource }): Promise<Interface[]> {
  const { fs } = deps;
  const addresses = deps.addresses();
  const result: Interface[] = [];
  for (const name of await fs.list("/sys/class/net")) {
    if (!(await fs.exists(`/sys/class/net/${name}/device`))) continue;
    const mac = nonEmpty(await fs.text(`/sys/class/net/${name}/address`));
    if (!mac) continue;
    const speed = toInt(await fs.text(`/sys/class/net/${name}/speed`));
    const { v4, v6 } = pickAddresses(addresses[name]);
    result.push({
      name,
      mac_address: mac.toLowerCase(),
      ipv4_address: v4,
      ipv6_address: v6,
      // Reading carrier of an interface that is down fails with EINVAL: no carrier.
      has_carrier: (await fs.text(`/sys/class/net/${name}/carrier`)) === "1",
      lldp: null,
      vendor: nonEmpty(await fs.text(`/sys/class/net/${name}/device/vendor`)),
      product: nonEmpty(await fs.text(`/sys/class/net/${name}/device/device`)),
      client_id: null,
      biosdevname: null,
      // The kernel reports -1 (or fails) when the speed is unknown, e.g. no link or virtio.
      speed_mbps: speed !== null && speed > 0 ? speed : null,
      pci_address: await pciAddress(fs, name),
      driver: await driverName(fs, name),
    });
  }
  return result;
}
