/**
 * @module hardware-managers/generic/bootloader-ops
 * `install_bootloader` (Ironic's `image.install_bootloader`, sent after a whole-disk deploy in
 * UEFI mode). A whole-disk image carries its own boot loader; what is left is the UEFI NVRAM
 * entry pointing at the loader on the image's EFI system partition, as IPA's manage_uefi does.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineErrorCatalogue, type ErrorSpecs } from "../../common/error-catalogue.ts";
import type { InstallBootloaderArgs, ManagerContext, Operations } from "../contract/index.ts";

export const BootloaderErrors = defineErrorCatalogue({
  failed: { code: "BootloaderError", status: 500, message: (reason: string) => reason },
} satisfies ErrorSpecs);

const ESP_GPT_TYPE = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";
/** Loaders, best first, as IPA prefers them: shim, then grub, then the removable-media path. */
const LOADERS = [/^shimx64\.efi$/i, /^grubx64\.efi$/i, /^bootx64\.efi$/i];

interface Partition {
  path: string;
  partn: number | null;
  parttype: string | null;
  partuuid: string | null;
  uuid: string | null;
}

async function partitionsOf(ctx: ManagerContext, device: string): Promise<Partition[]> {
  await ctx.exec("partprobe", [device]);
  const r = await ctx.exec("lsblk", ["-J", "-p", "-o", "PATH,TYPE,PARTTYPE,PARTUUID,UUID", device]);
  if (r.failed) throw BootloaderErrors.failed(`lsblk ${device} failed: ${r.stderr.trim()}`);
  const rows = ((JSON.parse(r.stdout) as { blockdevices?: Array<Record<string, unknown>> }).blockdevices ?? []).flatMap(
    (d) => [d, ...((d.children as Array<Record<string, unknown>> | undefined) ?? [])],
  );
  const parts: Partition[] = [];
  for (const p of rows.filter((row) => row.type === "part")) {
    parts.push({
      path: String(p.path),
      // lsblk 2.38 has no PARTN column; the kernel knows the number.
      partn: Number(await ctx.fs.text(`/sys/class/block/${String(p.path).replace(/^\/dev\//, "")}/partition`)) || null,
      parttype: typeof p.parttype === "string" ? p.parttype.toLowerCase() : null,
      partuuid: typeof p.partuuid === "string" ? p.partuuid.toLowerCase() : null,
      uuid: typeof p.uuid === "string" ? p.uuid.toLowerCase() : null,
    });
  }
  return parts;
}

/** The loader path on the ESP, in UEFI's backslash form, or null. */
async function findLoader(ctx: ManagerContext, esp: string): Promise<string | null> {
  const mnt = await mkdtemp(join(tmpdir(), "teeth-esp-"));
  try {
    const m = await ctx.exec("mount", ["-o", "ro", esp, mnt]);
    if (m.failed) return null;
    try {
      const efiDir = (await readdir(mnt)).find((d) => d.toLowerCase() === "efi");
      if (!efiDir) return null;
      for (const pattern of LOADERS) {
        for (const vendor of await readdir(join(mnt, efiDir))) {
          const files = await readdir(join(mnt, efiDir, vendor)).catch(() => [] as string[]);
          const hit = files.find((f) => pattern.test(f));
          if (hit) return `\\${efiDir}\\${vendor}\\${hit}`;
        }
      }
      return null;
    } finally {
      await ctx.exec("umount", [mnt]);
    }
  } finally {
    await rm(mnt, { recursive: true, force: true });
  }
}

async function installBootloader(ctx: ManagerContext, args: InstallBootloaderArgs): Promise<string> {
  const device = String(await ctx.dispatch("get_os_install_device", {}));
  const bootedUefi = await ctx.fs.exists("/sys/firmware/efi");
  const mode = typeof args.target_boot_mode === "string" ? args.target_boot_mode : bootedUefi ? "uefi" : "bios";
  if (mode !== "uefi") {
    return `whole-disk image on ${device}: the image's own boot loader is used (boot mode ${mode})`;
  }
  const wanted = typeof args.efi_system_part_uuid === "string" ? args.efi_system_part_uuid.toLowerCase() : null;
  const parts = await partitionsOf(ctx, device);
  const esp = parts.find((p) => (wanted ? p.partuuid === wanted || p.uuid === wanted : p.parttype === ESP_GPT_TYPE || p.parttype === "0xef"));
  if (!esp) {
    return `no EFI system partition on ${device}: nothing to register (the image must boot on its own)`;
  }
  if (!bootedUefi) {
    return `EFI system partition ${esp.path} found, but this machine did not boot in UEFI mode: no NVRAM entry made`;
  }
  const loader = await findLoader(ctx, esp.path);
  if (!loader) throw BootloaderErrors.failed(`no EFI loader (shimx64/grubx64/BOOTX64.EFI) on ${esp.path}`);
  if (!esp.partn) throw BootloaderErrors.failed(`cannot tell the partition number of ${esp.path}`);
  const r = await ctx.exec("efibootmgr", ["-c", "-d", device, "-p", String(esp.partn), "-w", "-L", "teeth", "-l", loader]);
  if (r.failed) throw BootloaderErrors.failed(`efibootmgr failed: ${(r.stderr || r.stdout).trim()}`);
  ctx.logger.info({ device, esp: esp.path, loader }, "UEFI boot entry created");
  return `UEFI boot entry 'teeth' created for ${loader} on ${esp.path}`;
}

export const bootloaderOperations = { install_bootloader: installBootloader } satisfies Operations;
