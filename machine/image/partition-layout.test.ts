/**
 * The partition-image layout, without a disk: IPA's order and sizes, its defaults, and the
 * layouts refused before anything is written.
 */
import { describe, expect, test } from "bun:test";
import { ImageInfoSchema } from "../../protocol/image-info.ts";
import { partitionSettings, planPartitionLayout } from "./partition-layout.ts";

const MiB = 1 << 20;
const disk = { path: "/dev/sdx", sizeBytes: 10 * 1024 * MiB, sectorBytes: 512 };
const base = { id: "p", urls: ["http://img/p.img"], os_hash_algo: "sha256", os_hash_value: "0".repeat(64), image_type: "partition" };

function settings(extra: Record<string, unknown>) {
  return partitionSettings(ImageInfoSchema.parse({ ...base, ...extra }));
}

describe("partition layout", () => {
  test("uefi: gpt, ESP of 550 MiB at 1 MiB, then ephemeral, swap, config drive, root last", () => {
    const layout = planPartitionLayout(settings({ root_mb: 4096, swap_mb: 512, ephemeral_mb: 1024, deploy_boot_mode: "uefi" }), disk, MiB + 1);
    expect(layout.label).toBe("gpt");
    expect(layout.partitions.map((p) => [p.number, p.role, p.sizeBytes / MiB, p.gptType])).toEqual([
      [1, "efi system partition", 550, "EF00"],
      [2, "ephemeral", 1024, "8300"],
      [3, "swap", 512, "8200"],
      [4, "configdrive", 2, "8300"],
      [5, "root", 4096, "8300"],
    ]);
    expect(layout.partitions[0]!.startBytes).toBe(MiB);
    for (let i = 1; i < layout.partitions.length; i++) {
      const prev = layout.partitions[i - 1]!;
      expect(layout.partitions[i]!.startBytes).toBe(prev.startBytes + prev.sizeBytes);
    }
  });

  test("bios defaults to msdos with a bootable root and no boot partition; bios + gpt gets a BIOS boot partition", () => {
    const msdos = planPartitionLayout(settings({ root_gb: 2 }), disk, 0);
    expect(msdos.label).toBe("msdos");
    expect(msdos.partitions).toEqual([expect.objectContaining({ role: "root", number: 1, sizeBytes: 2048 * MiB, mbrType: "83", bootable: true })]);
    const gpt = planPartitionLayout(settings({ root_mb: 100, disk_label: "gpt" }), disk, 0);
    expect(gpt.partitions.map((p) => [p.role, p.sizeBytes / MiB, p.gptType])).toEqual([
      ["bios boot", 1, "EF02"],
      ["root", 100, "8300"],
    ]);
  });

  test("uefi on msdos: the ESP is type ef and bootable, root is not; netboot has no boot partition", () => {
    const layout = planPartitionLayout(settings({ root_mb: 100, boot_mode: "uefi", disk_label: "msdos" }), disk, 0);
    expect(layout.partitions.map((p) => [p.role, p.mbrType, p.bootable])).toEqual([
      ["efi system partition", "ef", true],
      ["root", "83", false],
    ]);
    const netboot = planPartitionLayout(settings({ root_mb: 100, deploy_boot_mode: "uefi", boot_option: "netboot" }), disk, 0);
    expect(netboot.partitions.map((p) => p.role)).toEqual(["root"]);
  });

  test("string sizes and flags as Ironic may send them; ephemeral_format defaults to ext4", () => {
    const s = settings({ root_mb: "300", swap_mb: "0", ephemeral_mb: "64", preserve_ephemeral: "True" });
    expect(s).toMatchObject({ rootMb: 300, swapMb: 0, ephemeralMb: 64, preserveEphemeral: true, ephemeralFormat: "ext4" });
  });

  test("refused: five partitions on msdos, msdos past 2 TiB, a layout larger than the disk", () => {
    const five = settings({ root_mb: 100, swap_mb: 10, ephemeral_mb: 10, deploy_boot_mode: "uefi", disk_label: "msdos" });
    expect(() => planPartitionLayout(five, disk, MiB)).toThrow(expect.objectContaining({ code: "ImageInfoInvalid" }));
    const huge = { ...disk, sizeBytes: 3 * 1024 ** 4 };
    expect(() => planPartitionLayout(settings({ root_mb: 2.5 * 1024 * 1024 }), huge, 0)).toThrow(/2 TiB|sectors/);
    expect(() => planPartitionLayout(settings({ root_mb: 10 * 1024 }), disk, 0)).toThrow(expect.objectContaining({ code: "ImageDiskFull" }));
  });

  test("schema: root_mb is required, disk_label and ephemeral_format are closed lists, preserve needs an ephemeral partition", () => {
    const issue = (extra: Record<string, unknown>) => ImageInfoSchema.safeParse({ ...base, ...extra }).error?.issues[0];
    expect(issue({})).toMatchObject({ path: ["root_mb"] });
    expect(issue({ root_mb: 0 })).toMatchObject({ path: ["root_mb"] });
    expect(issue({ root_mb: 10, disk_label: "dos" })).toMatchObject({ path: ["disk_label"] });
    expect(issue({ root_mb: 10, ephemeral_mb: 10, ephemeral_format: "ntfs" })).toMatchObject({ path: ["ephemeral_format"] });
    expect(issue({ root_mb: 10, preserve_ephemeral: true })).toMatchObject({ path: ["preserve_ephemeral"] });
    expect(issue({ root_mb: "ten" })).toMatchObject({ path: ["root_mb"] });
    // Whole-disk images need none of it.
    expect(ImageInfoSchema.safeParse({ ...base, image_type: "whole-disk" }).success).toBe(true);
  });
});
