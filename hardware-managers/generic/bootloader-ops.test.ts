/**
 * @module hardware-managers/generic/bootloader-ops.test
 * `install_bootloader` against a fake /sys (booted in UEFI mode or not, partition numbers) and
 * a scripted exec whose `mount` puts loaders on the "ESP", so every branch runs without root.
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createMemoryHostFs } from "../../machine/testing/memory-host-fs.ts";
import { HardwareSupport, defineHardwareManager } from "../contract/index.ts";
import { createTestContext } from "../contract/testing.ts";
import { bootloaderOperations } from "./bootloader-ops.ts";

const ESP_TYPE = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";
const lsblk = JSON.stringify({
  blockdevices: [
    {
      path: "/dev/sda", type: "disk", parttype: null, partuuid: null, uuid: null,
      children: [
        { path: "/dev/sda1", type: "part", parttype: "0x83", partuuid: "1111", uuid: "aaaa" },
        { path: "/dev/sda15", type: "part", parttype: ESP_TYPE.toUpperCase(), partuuid: "ESP-PARTUUID", uuid: "B0B0-C0C0" },
      ],
    },
  ],
});

/** The generic boot-loader operation behind a disk manager, with `uefi` deciding /sys/firmware/efi. */
function harness(options: { uefi: boolean; loaders?: string[] }) {
  const disk = defineHardwareManager({
    name: "disk", version: "1", evaluateSupport: () => HardwareSupport.VENDOR,
    operations: { get_os_install_device: () => "/dev/sda" },
  });
  const generic = defineHardwareManager({ name: "generic", version: "1", evaluateSupport: () => HardwareSupport.GENERIC, operations: bootloaderOperations });
  return createTestContext({
    managers: [disk, generic],
    files: createMemoryHostFs({
      "/sys/class/block/sda1/partition": "1\n",
      "/sys/class/block/sda15/partition": "15\n",
      ...(options.uefi ? { "/sys/firmware/efi/": "" } : {}),
    }),
    answer: (cmd, file, args) => {
      if (file === "lsblk") return lsblk;
      if (file === "mount") {
        // `mount -o ro <esp> <dir>`: the "ESP" gets the loaders asked for.
        for (const loader of options.loaders ?? []) {
          mkdirSync(join(args[3]!, "EFI", "debian"), { recursive: true });
          writeFileSync(join(args[3]!, "EFI", "debian", loader), "");
        }
      }
      return undefined;
    },
  });
}

describe("install_bootloader", () => {
  test("booted in BIOS mode: the image's own loader is used, NVRAM untouched", async () => {
    const t = harness({ uefi: false, loaders: ["shimx64.efi"] });
    const { result } = await t.dispatch("install_bootloader", {});
    expect(result).toContain("boot mode bios");
    expect(t.calls.some((c) => c.startsWith("efibootmgr"))).toBe(false);
  });

  test("UEFI: shim is preferred over grub, registered with the ESP's partition number from sysfs", async () => {
    const t = harness({ uefi: true, loaders: ["grubx64.efi", "shimx64.efi"] });
    const { result } = await t.dispatch("install_bootloader", {});
    expect(t.calls).toContain("efibootmgr -c -d /dev/sda -p 15 -w -L teeth -l \\EFI\\debian\\shimx64.efi");
    expect(result).toBe("UEFI boot entry 'teeth' created for \\EFI\\debian\\shimx64.efi on /dev/sda15");
  });

  test("an ESP asked for by UUID, but the machine did not boot in UEFI mode: no entry", async () => {
    const t = harness({ uefi: false, loaders: ["shimx64.efi"] });
    const { result } = await t.dispatch("install_bootloader", { target_boot_mode: "uefi", efi_system_part_uuid: "esp-partuuid" });
    expect(result).toContain("did not boot in UEFI mode");
    expect(t.calls.some((c) => c.startsWith("efibootmgr"))).toBe(false);
  });

  test("no loader on the ESP fails with BootloaderError", async () => {
    const t = harness({ uefi: true, loaders: [] });
    await expect(t.dispatch("install_bootloader", {})).rejects.toMatchObject({ code: "BootloaderError" });
  });
});
