import { describe, expect, test } from "bun:test";
import type { Inventory } from "../../protocol/inventory.ts";
import { discoverySchema } from "../config/discovery-schema.ts";
import { createRateWindow } from "./discovery-rate.ts";
import { bmcAddress, discoveredProperties, ignoredBy, nameFromHostname } from "./discovery-rules.ts";

const inv = (over: Partial<Record<keyof Inventory, unknown>> = {}) =>
  ({
    interfaces: [],
    cpu: { model_name: null, frequency: null, count: 2, architecture: "aarch64", flags: [], socket_count: null },
    disks: [{ name: "/dev/sda", size: 3 * 1024 ** 3 }],
    memory: { total: 2 * 1024 ** 3, physical_mb: null },
    bmc_address: null,
    bmc_v6address: null,
    system_vendor: { product_name: "PowerEdge R650", serial_number: null, manufacturer: "Dell Inc.", firmware: { vendor: null, version: null, build_date: null } },
    boot: { current_boot_mode: "bios", pxe_interface: null },
    hostname: null,
    ...over,
  }) as unknown as Inventory;

describe("discovery rules", () => {
  test("ignore: MAC prefixes (any NIC, case-insensitive config) and vendor regexes on manufacturer or product", () => {
    const cfg = discoverySchema.parse({ ignore: { mac_prefixes: ["AA:BB"], vendors: ["^supermicro", "r650$"] } });
    expect(ignoredBy(cfg, inv(), ["52:54:00:00:00:01", "aa:bb:00:00:00:02"])).toBe("mac prefix aa:bb");
    expect(ignoredBy(cfg, inv(), ["52:54:00:00:00:01"])).toBe("vendor r650$");
    expect(ignoredBy(cfg, inv({ system_vendor: { product_name: "X", serial_number: null, manufacturer: "QEMU", firmware: {} } }), ["52:54:00:00:00:01"])).toBeNull();
    expect(() => discoverySchema.parse({ ignore: { vendors: ["("] } })).toThrow();
    expect(() => discoverySchema.parse({ ignore: { mac_prefixes: ["52:54:0"] } })).toThrow();
  });

  test("BMC address: a real IPv4, else a real IPv6; IPA's 0.0.0.0 and junk are dropped", () => {
    expect(bmcAddress(inv({ bmc_address: "192.0.2.7" }))).toBe("192.0.2.7");
    expect(bmcAddress(inv({ bmc_address: "0.0.0.0", bmc_v6address: "::/0" }))).toBeNull();
    expect(bmcAddress(inv({ bmc_address: "0.0.0.0", bmc_v6address: "FD00::7" }))).toBe("fd00::7");
    expect(bmcAddress(inv({ bmc_address: "256.1.1.1", bmc_v6address: "::" }))).toBeNull();
    expect(bmcAddress(inv({ bmc_address: "10.0.0.1 -P x" }))).toBeNull();
  });

  test("name from hostname only when it is a valid Ironic node name", () => {
    expect(nameFromHostname(inv({ hostname: "Rack1-U07" }))).toBe("rack1-u07");
    for (const bad of [null, "", "localhost", "a b", "../x", "detail", "8b1f7a4e-5c43-4d3e-9a57-3e6f1c0d2b9a"]) expect(nameFromHostname(inv({ hostname: bad }))).toBeNull();
  });

  test("properties: no disk of 4 GiB gives local_gb 0; memory from total; boot_mode capability", () => {
    expect(discoveredProperties(inv())).toEqual({ cpus: 2, cpu_arch: "aarch64", memory_mb: 2048, local_gb: 0, capabilities: "boot_mode:bios" });
  });

  test("the rate window admits max_per_minute creations in any 60 s", () => {
    const w = createRateWindow(2);
    expect([w.take(0), w.take(1000), w.take(2000)]).toEqual([true, true, false]);
    expect(w.take(60_001)).toBe(true);
    expect(w.take(60_500)).toBe(false);
    expect(w.take(61_001)).toBe(true);
  });
});
