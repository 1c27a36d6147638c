/**
 * @module conductor/config/deploy-schema
 * The `deploy` section: the image pre-staged on nodes waiting in `available` with a live
 * fast-track agent (`deploy.prestage_image`), named as an operator names a node's image in
 * `instance_info`, and checked by the same rules: an http(s) URL with a checksum, or the name
 * of a file in `<data_dir>/images`. Its own file because `schema.ts` is edited by others.
 */
import { z } from "zod";

/** A served image's name, as `images/image-service.ts` accepts it. */
const LOCAL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const HEX = /^[0-9a-fA-F]{32,128}$/;

/** Why `source` is not an image reference the conductor may hand to an agent, or null. */
function sourceProblem(source: string): string | null {
  if (!/^https?:\/\//i.test(source)) return LOCAL_NAME.test(source) ? null : "must be an http(s) URL or the name of a file in <data_dir>/images";
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    return "is not a valid URL";
  }
  // The reference is logged and shown on every node it is staged on: no credentials in it.
  if (url.username || url.password) return "must not carry credentials (user:password@)";
  if (!url.hostname) return "has no host";
  return null;
}

export const prestageImageSchema = z
  .object({
    /** http(s) URL, or the name of a file the conductor serves from `<data_dir>/images`. */
    image_source: z
      .string()
      .min(1)
      .max(2048)
      .superRefine((s, ctx) => {
        const problem = sourceProblem(s);
        if (problem) ctx.addIssue({ code: "custom", message: `image_source ${problem}` });
      }),
    /** As instance_info: a checksum (or the URL of a checksum file), or the hash pair below. */
    image_checksum: z.string().min(1).max(2048).optional(),
    image_os_hash_algo: z.enum(["md5", "sha1", "sha256", "sha384", "sha512"]).optional(),
    image_os_hash_value: z.string().regex(HEX, "must be a hex digest").optional(),
    image_disk_format: z.enum(["raw", "qcow2"]).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if ((v.image_os_hash_algo === undefined) !== (v.image_os_hash_value === undefined)) {
      ctx.addIssue({ code: "custom", message: "image_os_hash_algo and image_os_hash_value go together" });
    }
    const hasSum = v.image_checksum !== undefined || v.image_os_hash_value !== undefined;
    if (/^https?:\/\//i.test(v.image_source) && !hasSum) {
      ctx.addIssue({ code: "custom", message: "an http(s) image_source needs image_checksum or image_os_hash_algo + image_os_hash_value (as instance_info)" });
    }
  });

export type PrestageImage = z.infer<typeof prestageImageSchema>;

export const deploySchema = z
  .object({
    /** Written in advance (`standby.cache_image`) on nodes in `available` with a live fast-track agent; null: off. */
    prestage_image: prestageImageSchema.nullable().default(null),
    /** Seconds between passes of the pre-staging loop (start, then follow the agent's command). */
    prestage_interval_s: z.number().positive().default(10),
    /** After a failed pre-staging, the same node is tried again after this many seconds. */
    prestage_retry_s: z.number().min(0).default(300),
  })
  .strict();
