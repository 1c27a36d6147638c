import { expect, test } from "bun:test";
import { SERVER_A } from "./fixtures.ts";
import { collectInterfaces, pickAddresses } from "./interfaces.ts";
import { createHostFs } from "../host-fs.ts";

test("lists NICs with a backing device (not lo, not bridges) with PCI ids, driver and link state", async () => {
  const nics = await collectInterfaces({
    fs: createHostFs(SERVER_A),
    addresses: () => ({
      eno1: [
        { family: "IPv6", address: "fe80::3eec:efff:fe12:3456", scopeid: 2 },
        { family: "IPv4", address: "10.1.2.3" },
        { family: "IPv6", address: "2001:db8::17", scopeid: 0 },
      ],
    }),
  });
  expect(nics).toEqual([
    {
      name: "eno1",
      mac_address: "3c:ec:ef:12:34:56",
      ipv4_address: "10.1.2.3",
      ipv6_address: "2001:db8::17",
      has_carrier: true,
      lldp: null,
      vendor: "0x8086",
      product: "0x15b8",
      client_id: null,
      biosdevname: null,
      speed_mbps: 1000,
      pci_address: "0000:00:19.0",
      driver: "e1000e",
    },
    {
      name: "eth1",
      mac_address: "52:54:00:aa:bb:cc",
      ipv4_address: null,
      ipv6_address: null,
      has_carrier: false, // no carrier attribute: interface down
      lldp: null,
      vendor: "0x1af4",
      product: "0x0001",
      client_id: null,
      biosdevname: null,
      speed_mbps: null, // kernel says -1
      pci_address: "0000:00:03.0", // parent of virtio2
      driver: "virtio_net",
    },
  ]);
});

test("pickAddresses prefers a global IPv6 and strips the zone of a link-local one", () => {
  expect(pickAddresses([{ family: "IPv6", address: "fe80::1%eth0" }])).toEqual({ v4: null, v6: "fe80::1" });
  expect(pickAddresses(undefined)).toEqual({ v4: null, v6: null });
});
