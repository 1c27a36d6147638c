/**
 * @module protocol/image-info
 * IPA's `image_info`, as Ironic's `AgentDeploy.write_image` builds it.
 */
import { z } from "zod";

const hexOrUrl = z.string().min(1).max(4096);

export const ImageInfoSchema = z
  .object({
    id: z.string().min(1).max(1024),
    urls: z.array(z.string().url().max(8192)).min(1),
    disk_format: z.string().max(32).nullable().optional(),
    container_format: z.string().max(32).nullable().optional(),
    stream_raw_images: z.boolean().optional(),
    checksum: hexOrUrl.nullable().optional(),
    os_hash_algo: z.enum(["md5", "sha1", "sha256", "sha384", "sha512"]).nullable().optional(),
    os_hash_value: z.string().max(256).nullable().optional(),
    image_type: z.enum(["whole-disk", "partition"]).nullable().optional(),
    image_request_authorization: z.string().max(16384).nullable().optional(),
    proxies: z.record(z.string(), z.string()).nullable().optional(),
    no_proxy: z.string().nullable().optional(),
    node_uuid: z.string().nullable().optional(),
    configdrive: z.unknown().optional(),
    root_mb: z.number().nullable().optional(),
    root_gb: z.number().nullable().optional(),
    swap_mb: z.number().nullable().optional(),
    ephemeral_mb: z.number().nullable().optional(),
    disk_label: z.string().nullable().optional(),
    deploy_boot_mode: z.string().nullable().optional(),
  })
  .loose()
  .refine((i) => i.checksum || (i.os_hash_algo && i.os_hash_value), {
    message: "image_info needs 'checksum' or both 'os_hash_algo' and 'os_hash_value'",
  });
export type ImageInfo = z.infer<typeof ImageInfoSchema>;
