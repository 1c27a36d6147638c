/**
 * @module protocol/inventory
 * The hardware inventory in ironic-python-agent's JSON shape (`list_hardware_info`).
 * Fields an agent cannot determine are `null`, never invented.
 */
import { z } from "zod";

const nstr = z.string().nullable();

export const InterfaceSchema = z
  .object({
    name: z.string(),
    mac_address: z.string(),
    ipv4_address: nstr,
    ipv6_address: nstr,
    has_carrier: z.boolean(),
    lldp: z.array(z.tuple([z.number(), z.string()])).nullable(),
    vendor: nstr,
    product: nstr,
    client_id: nstr,
    biosdevname: nstr,
    speed_mbps: z.number().nullable(),
    pci_address: nstr,
    driver: nstr,
  })
  .loose();
export type Interface = z.infer<typeof InterfaceSchema>;

export const CpuSchema = z
  .object({
    model_name: nstr,
    frequency: nstr,
    count: z.number().int(),
    architecture: z.string(),
    flags: z.array(z.string()),
    socket_count: z.number().int().nullable(),
  })
  .loose();
export type Cpu = z.infer<typeof CpuSchema>;

export const DiskSchema = z
  .object({
    name: z.string(),
    model: nstr,
    size: z.number(),
    rotational: z.boolean(),
    wwn: nstr,
    serial: nstr,
    vendor: nstr,
    wwn_with_extension: nstr,
    wwn_vendor_extension: nstr,
    hctl: nstr,
    by_path: nstr,
    logical_sectors: z.number().nullable(),
    physical_sectors: z.number().nullable(),
    tran: nstr,
  })
  .loose();
export type Disk = z.infer<typeof DiskSchema>;

export const MemorySchema = z.object({ total: z.number(), physical_mb: z.number().nullable() }).loose();

export const SystemVendorSchema = z
  .object({
    product_name: nstr,
    serial_number: nstr,
    manufacturer: nstr,
    firmware: z.object({ vendor: nstr, version: nstr, build_date: nstr }).loose(),
  })
  .loose();

export const BootSchema = z
  .object({ current_boot_mode: z.enum(["bios", "uefi"]), pxe_interface: nstr })
  .loose();

export const InventorySchema = z
  .object({
    interfaces: z.array(InterfaceSchema),
    cpu: CpuSchema,
    disks: z.array(DiskSchema),
    memory: MemorySchema,
    bmc_address: nstr,
    bmc_v6address: nstr,
    bmc_mac: nstr.optional(),
    system_vendor: SystemVendorSchema,
    boot: BootSchema,
    hostname: nstr,
  })
  .loose();
export type Inventory = z.infer<typeof InventorySchema>;

/** Root device hints (`properties.root_device` / `instance_info.root_device`). */
export const RootDeviceHintsSchema = z
  .object({
    name: z.string(),
    serial: z.string(),
    wwn: z.string(),
    wwn_with_extension: z.string(),
    wwn_vendor_extension: z.string(),
    size: z.union([z.number(), z.string()]),
    model: z.string(),
    vendor: z.string(),
    rotational: z.union([z.boolean(), z.string()]),
    by_path: z.string(),
    hctl: z.string(),
  })
  .partial()
  .strict();
export type RootDeviceHints = z.infer<typeof RootDeviceHintsSchema>;
