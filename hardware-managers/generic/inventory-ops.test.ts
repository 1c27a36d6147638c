import { expect, test } from "bun:test";
import type { Disk, Inventory } from "../../protocol/inventory.ts";
import { createTestContext } from "../contract/testing.ts";
import { inventoryOperations } from "./inventory-ops.ts";
import { testDisk } from "../../machine/inventory/test-support.ts";

const disk = (name: string, gib: number, serial: string): Disk => testDisk(name, gib, { serial });
const DISKS = [disk("/dev/sda", 100, "AAA"), disk("/dev/sdb", 50, "BBB"), disk("/dev/sdc", 200, "CCC")];

function context(node: Record<string, unknown> | null) {
  const refreshes: boolean[] = [];
  const t = createTestContext({ node, inventory: { disks: DISKS } });
  const ctx = {
    ...t.ctx,
    inventory: async (options?: { refresh?: boolean }) => {
      refreshes.push(Boolean(options?.refresh));
      return t.ctx.inventory(options);
    },
  };
  return { ctx, refreshes };
}

const op = (name: keyof typeof inventoryOperations) => inventoryOperations[name] as (ctx: unknown, args: Record<string, unknown>) => Promise<unknown>;

test("list_hardware_info re-collects the inventory", async () => {
  const { ctx, refreshes } = context(null);
  expect(((await op("list_hardware_info")(ctx, {})) as Inventory).disks).toBe(DISKS);
  expect(refreshes).toEqual([true]);
});

test("get_os_install_device without hints: smallest disk of at least 4 GiB", async () => {
  const { ctx } = context(null);
  expect(await op("get_os_install_device")(ctx, {})).toBe("/dev/sdb");
});

test("hints in args win over the node's", async () => {
  const { ctx } = context({ instance_info: { root_device: { serial: "AAA" } } });
  expect(await op("get_os_install_device")(ctx, { root_device: { serial: "CCC" } })).toBe("/dev/sdc");
});

test("instance_info hints win over properties; either may be a JSON string", async () => {
  const both = context({ instance_info: { root_device: '{"serial": "CCC"}' }, properties: { root_device: { serial: "AAA" } } });
  expect(await op("get_os_install_device")(both.ctx, {})).toBe("/dev/sdc");
  const props = context({ instance_info: {}, properties: { root_device: '{"size": ">= 100"}' } });
  expect(await op("get_os_install_device")(props.ctx, {})).toBe("/dev/sda");
});

test("no matching disk fails with DeviceNotFound", async () => {
  const { ctx } = context({ properties: { root_device: { serial: "ZZZ" } } });
  await expect(Promise.resolve(op("get_os_install_device")(ctx, {}))).rejects.toMatchObject({ code: "DeviceNotFound" });
});
