import { expect, test } from "bun:test";
import { InventorySchema } from "../../protocol/inventory.ts";
import { collectInventory } from "./collect-inventory.ts";
import { SERVER_A } from "./fixtures.ts";
import type { SystemInfoProbe } from "./system-info.ts";
import { captureLogger, fakeExec } from "./test-support.ts";

const LAN_PRINT = "IP Address              : 10.20.0.15\nMAC Address             : 3c:ec:ef:aa:bb:cc\n";

test("a whole inventory of the fake server, in IPA's shape", async () => {
  const exec = fakeExec({ ipmitool: (args) => ({ stdout: args[0] === "lan" ? LAN_PRINT : "" }) });
  const inventory = await collectInventory({
    exec,
    logger: captureLogger().logger,
    sysRoot: SERVER_A,
    allowLoopDevices: false,
    bootif: "01-3c-ec-ef-12-34-56",
  });
  expect(InventorySchema.safeParse(inventory).success).toBe(true);
  expect(inventory.disks.map((d) => d.name)).toEqual(["/dev/nvme0n1", "/dev/sda", "/dev/sdb"]);
  expect(inventory.interfaces.map((i) => i.name)).toEqual(["eno1", "eth1"]);
  expect(inventory.cpu.socket_count).toBe(2);
  expect(inventory.memory).toEqual({ total: 65657652 * 1024, physical_mb: 49152 });
  expect(inventory.system_vendor).toEqual({
    product_name: "PowerEdge R640",
    serial_number: "7XK9Q42",
    manufacturer: "Dell Inc.",
    firmware: { vendor: "Dell Inc.", version: "2.17.1", build_date: "11/08/2022" },
  });
  expect(inventory.boot).toEqual({ current_boot_mode: "uefi", pxe_interface: "3c:ec:ef:12:34:56" });
  expect(inventory.bmc_address).toBe("10.20.0.15");
  expect(inventory.bmc_mac).toBe("3c:ec:ef:aa:bb:cc");
  expect(inventory.bmc_v6address).toBeNull();
  expect(inventory.hostname).toBe("node-17");
});

test("a failing section is logged and reported as unknown; the rest is intact", async () => {
  const broken: SystemInfoProbe = {
    cpu: async () => {
      throw new Error("boom");
    },
    memoryDevices: async () => null,
  };
  const log = captureLogger();
  // arm-board's cpuinfo has no frequency, so the CPU section consults the (exploding) probe.
  const { ARM_BOARD } = await import("./fixtures.ts");
  const inventory = await collectInventory({ exec: fakeExec(), logger: log.logger, sysRoot: ARM_BOARD, allowLoopDevices: false, systemInfo: broken });
  expect(inventory.cpu).toMatchObject({ model_name: null, count: 0, socket_count: null, flags: [] });
  expect(inventory.disks.map((d) => d.name)).toEqual(["/dev/mmcblk0"]);
  expect(inventory.memory.total).toBe(8000000 * 1024);
  expect(log.records.some((r) => r.level === 50 && r.section === "cpu")).toBe(true);
});

test("an empty tree still yields a valid inventory of unknowns", async () => {
  const inventory = await collectInventory({ exec: fakeExec(), logger: captureLogger().logger, sysRoot: "/nonexistent-root", allowLoopDevices: true });
  expect(inventory.disks).toEqual([]);
  expect(inventory.interfaces).toEqual([]);
  expect(inventory.memory).toEqual({ total: 0, physical_mb: null });
  expect(inventory.hostname).toBeNull();
  expect(inventory.system_vendor.manufacturer).toBeNull();
});
