/**
 * @module protocol/image-info
 * IPA's `image_info`, as Ironic's `AgentDeploy.write_image` builds it. Validation here is
 * structural, plus what a partition image (`image_type: "partition"`) cannot do without; the
 * image engine (`machine/image`) adds the policy checks (md5 allowed, formats, disk layout).
 */
import { z } from "zod";

const hexOrUrl = z.string().min(1).max(4096);

/** Filesystems the ephemeral partition of a partition image may get (IPA: `mkfs -t <format>`). */
export const EPHEMERAL_FORMATS = ["ext4", "ext3", "ext2", "vfat", "xfs"] as const;

/** A size in MiB (GiB for `root_gb`): Ironic sends integers, sometimes as strings. */
const mebibytes = z
  .union([z.number().int().nonnegative(), z.string().trim().regex(/^\d+$/, "must be a whole number").transform(Number)])
  .nullable()
  .optional();

/** A boolean, or the strings oslo's `bool_from_string` most often sees. */
const flag = z
  .union([z.boolean(), z.enum(["true", "false", "True", "False", "1", "0"]).transform((v) => v === "true" || v === "True" || v === "1")])
  .nullable()
  .optional();

/** Formats Glance can declare; the engine writes raw and qcow2 (raw possibly compressed). */
export const DiskFormatSchema = z.string().max(32);

export const ImageInfoSchema = z
  .object({
    id: z.string().min(1).max(1024),
    urls: z.array(z.string().url().max(8192)).min(1),
    disk_format: DiskFormatSchema.nullable().optional(),
    container_format: z.string().max(32).nullable().optional(),
    stream_raw_images: z.boolean().optional(),
    checksum: hexOrUrl.nullable().optional(),
    os_hash_algo: z.enum(["md5", "sha1", "sha256", "sha384", "sha512"]).nullable().optional(),
    os_hash_value: z.string().min(1).max(256).nullable().optional(),
    image_type: z.enum(["whole-disk", "whole-disk-image", "partition"]).nullable().optional(),
    /** base64 of a complete `Authorization` header value (`Bearer ...`, `Basic ...`). */
    image_request_authorization: z.string().max(16384).nullable().optional(),
    image_server_auth_strategy: z.string().max(32).nullable().optional(),
    image_server_user: z.string().max(1024).nullable().optional(),
    image_server_password: z.string().max(1024).nullable().optional(),
    proxies: z.record(z.string(), z.string()).nullable().optional(),
    no_proxy: z.string().nullable().optional(),
    node_uuid: z.string().nullable().optional(),
    configdrive: z.unknown().optional(),
    root_mb: mebibytes,
    root_gb: mebibytes,
    swap_mb: mebibytes,
    ephemeral_mb: mebibytes,
    ephemeral_format: z.enum(EPHEMERAL_FORMATS).nullable().optional(),
    preserve_ephemeral: flag,
    disk_label: z.enum(["gpt", "msdos"]).nullable().optional(),
    deploy_boot_mode: z.enum(["uefi", "bios"]).nullable().optional(),
    /** Accepted as an alias of `deploy_boot_mode`. */
    boot_mode: z.enum(["uefi", "bios"]).nullable().optional(),
    /** `local` (default) adds the boot partitions; `netboot` (old Ironic) does not. */
    boot_option: z.string().max(32).nullable().optional(),
  })
  .loose()
  .refine((i) => i.checksum || (i.os_hash_algo && i.os_hash_value), {
    message: "image_info needs 'checksum' or both 'os_hash_algo' and 'os_hash_value'",
  })
  .superRefine((i, ctx) => {
    if (i.image_type !== "partition") return;
    if (!i.root_mb && !i.root_gb) {
      ctx.addIssue({ code: "custom", path: ["root_mb"], message: "partition images need root_mb (or root_gb) greater than 0" });
    }
    if (i.preserve_ephemeral && !i.ephemeral_mb) {
      ctx.addIssue({ code: "custom", path: ["preserve_ephemeral"], message: "preserve_ephemeral needs an ephemeral partition (ephemeral_mb > 0)" });
    }
  });
export type ImageInfo = z.infer<typeof ImageInfoSchema>;

/** `prepare_image` / `cache_image` parameters. `configdrive` is gzip+base64 text or a URL. */
export const PrepareImageParamsSchema = z
  .object({
    image_info: ImageInfoSchema,
    configdrive: z.string().max(96 * 1024 * 1024).nullable().optional(),
  })
  .loose();
export type PrepareImageParams = z.infer<typeof PrepareImageParamsSchema>;

/** What `prepare_image` reports in `command_result` while it runs. */
export const ImageProgressSchema = z.object({
  stage: z.string(),
  bytes_downloaded: z.number(),
  bytes_written: z.number(),
  total_bytes: z.number().nullable(),
  rate_bytes_per_s: z.number(),
  eta_s: z.number().nullable(),
});
export type ImageProgress = z.infer<typeof ImageProgressSchema>;
