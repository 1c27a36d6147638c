/**
 * @module test/os-image/ensure-os-image
 * Builds (or brings up to date) the OS image for the tests and reads its manifest. The build
 * is cached by image-build/build-os-image.sh, so an unchanged tree costs about a second.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";

export const REPO = resolve(import.meta.dir, "../..");
export const OUT = resolve(REPO, "build/os-image");
export const RAW = resolve(OUT, "teeth-os.raw");
export const QCOW2 = resolve(OUT, "teeth-os.qcow2");
export const ZST = resolve(OUT, "teeth-os.raw.zst");
export const MANIFEST = resolve(OUT, "teeth-os.json");

const fileSchema = z.object({ name: z.string(), bytes: z.number().int().positive(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
const partitionSchema = z.object({
  number: z.number().int(),
  name: z.string(),
  type: z.string(),
  uuid: z.string(),
  fs: z.string().optional(),
  fs_uuid: z.string().optional(),
});
export const manifestSchema = z.object({
  image_id: z.string(),
  kernel_version: z.string(),
  kernel_package: z.string(),
  source_date_epoch: z.number().int(),
  kernel: z.string(),
  initrd: z.string(),
  cmdline: z.string(),
  grub_cfg: z.string(),
  bls_entry: z.string(),
  disk_guid: z.string(),
  root_fs_uuid: z.string(),
  esp_fs_uuid: z.string(),
  partitions: z.array(partitionSchema).length(3),
  files: z.object({ raw: fileSchema, qcow2: fileSchema, zst: fileSchema }),
});
export type OsImageManifest = z.infer<typeof manifestSchema>;

export type OsImageBuild = { ok: true; seconds: number; output: string; manifest: OsImageManifest } | { ok: false; reason: string };

/**
 * Runs image-build/build-os-image.sh; `ok: false` with the reason when it cannot build (no
 * network for the first download, a missing host tool...).
 * @example
 * const built = await buildOsImage();
 * describe.skipIf(!built.ok)("boots", () => { ... });
 */
export async function buildOsImage(): Promise<OsImageBuild> {
  const start = performance.now();
  const proc = Bun.spawn(["bash", resolve(REPO, "image-build/build-os-image.sh")], { cwd: REPO, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0 || !existsSync(MANIFEST)) {
    const tail = `${out}\n${err}`.trim().split("\n").slice(-8).join("\n");
    return { ok: false, reason: `image-build/build-os-image.sh exited ${code}:\n${tail}` };
  }
  const manifest = manifestSchema.parse(JSON.parse(readFileSync(MANIFEST, "utf8")));
  return { ok: true, seconds: (performance.now() - start) / 1000, output: `${err}${out}`.trim(), manifest };
}

/** The UUID build-os-image.sh derives for `role` from the image id (sha256, v4-shaped). */
export function derivedUuid(imageId: string, role: string): string {
  const h = new Bun.CryptoHasher("sha256").update(`teeth-os-image:${imageId}:${role}`).digest("hex").slice(0, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
