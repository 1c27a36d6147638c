/**
 * @module machine/inventory/collect-inventory
 * Builds the IPA inventory (`list_hardware_info`) one section at a time. A section that
 * fails is logged and reported with unknown (null) values, so a broken BMC or an odd NIC
 * never keeps the agent from looking up its node or deploying.
 */
import type { Exec } from "../../common/exec.ts";
import type { Logger } from "../../common/logger.ts";
import { InventorySchema, type Inventory } from "../../protocol/inventory.ts";
import { collectBmc } from "./bmc.ts";
import { collectBoot } from "./boot.ts";
import { collectCpu, processArchitecture } from "./cpu.ts";
import { collectDisks } from "./disks.ts";
import { collectInterfaces, systemAddresses, type AddressSource } from "./interfaces.ts";
import { collectMemory } from "./memory.ts";
import { createHostFs, nonEmpty } from "../host-fs.ts";
import { collectSystemVendor } from "./system-vendor.ts";
import { createSystemInfoProbe, type SystemInfoProbe } from "./system-info.ts";

export interface InventoryDeps {
  /** Runs lsblk, lscpu, uname and ipmitool; failures are values, never thrown. */
  exec: Exec;
  logger: Logger;
  /** Directory holding sys/, proc/, dev/ and run/ to read; default "/" (the live system). */
  sysRoot?: string;
  /** List attached loop devices as disks (labs and tests); IPA never does. */
  allowLoopDevices: boolean;
  /** BOOTIF from the kernel command line, e.g. "01-52-54-00-12-34-56". */
  bootif?: string | null;
  /**
   * systeminformation, consulted for what /proc and /sys lack. Default: the real probe when
   * `sysRoot` is "/", none otherwise (it would describe the host, not the fake tree).
   */
  systemInfo?: SystemInfoProbe | null;
  /** Interface addresses; default getifaddrs when `sysRoot` is "/", none otherwise. */
  addresses?: AddressSource;
  /** Per-call timeout for ipmitool, default 10 s. */
  ipmiTimeoutMs?: number;
}

async function section<T>(logger: Logger, name: string, run: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await run();
  } catch (error) {
    logger.error({ err: error, section: name }, "inventory section failed; reporting it as unknown");
    return fallback;
  }
}

/**
 * Collects the inventory of this machine in IPA's JSON shape, validated by InventorySchema.
 * @example
 * const inventory = await collectInventory({
 *   exec: createExec(), logger, allowLoopDevices: false, bootif: cmdline.BOOTIF ?? null,
 * });
 * inventory.disks.map((d) => d.name); // ["/dev/sda", "/dev/nvme0n1"]
 */
export async function collectInventory(deps: InventoryDeps): Promise<Inventory> {
  const { exec, logger } = deps;
  const sysRoot = deps.sysRoot ?? "/";
  const live = sysRoot === "/";
  const fs = createHostFs(sysRoot);
  const systemInfo = deps.systemInfo !== undefined ? deps.systemInfo : live ? createSystemInfoProbe() : null;
  const addresses = deps.addresses ?? (live ? systemAddresses : () => ({}));
  const started = Date.now();

  const [cpu, memory, disks, interfaces, systemVendor, boot, bmc, hostname] = await Promise.all([
    section(logger, "cpu", () => collectCpu({ fs, exec, logger, systemInfo }), {
      model_name: null,
      frequency: null,
      count: 0,
      architecture: processArchitecture(),
      flags: [],
      socket_count: null,
    }),
    section(logger, "memory", () => collectMemory({ fs, logger, systemInfo }), { total: 0, physical_mb: null }),
    section(logger, "disks", () => collectDisks({ fs, exec, logger, allowLoopDevices: deps.allowLoopDevices }), []),
    section(logger, "interfaces", () => collectInterfaces({ fs, addresses }), []),
    section(logger, "system_vendor", () => collectSystemVendor(fs), {
      product_name: null,
      serial_number: null,
      manufacturer: null,
      firmware: { vendor: null, version: null, build_date: null },
    }),
    section(logger, "boot", () => collectBoot(fs, deps.bootif), { current_boot_mode: "bios" as const, pxe_interface: null }),
    section(logger, "bmc", () => collectBmc({ fs, exec, logger, timeoutMs: deps.ipmiTimeoutMs }), {
      bmc_address: null,
      bmc_v6address: null,
      bmc_mac: null,
    }),
    section(logger, "hostname", async () => nonEmpty(await fs.text("/proc/sys/kernel/hostname")), null),
  ]);

  const inventory = InventorySchema.parse({
    interfaces,
    cpu,
    disks,
    memory,
    bmc_address: bmc.bmc_address,
    bmc_v6address: bmc.bmc_v6address,
    ...(bmc.bmc_mac ? { bmc_mac: bmc.bmc_mac } : {}),
    system_vendor: systemVendor,
    boot,
    hostname,
  });
  logger.info(
    { ms: Date.now() - started, disks: disks.map((d) => d.name), interfaces: interfaces.map((i) => i.name) },
    "inventory collected",
  );
  return inventory;
}
