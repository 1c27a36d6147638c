/**
 * @module conductor/config/discovery-schema
 * The `discovery` section: whether servers nobody enrolled may enroll themselves by posting
 * their inventory to `/v1/continue_inspection` without an agent token (Ironic's
 * `[auto_discovery]`, MAAS's enlistment), which driver they get, which are ignored, and how
 * many nodes an unauthenticated caller may create.
 */
import { z } from "zod";

const macPrefix = z
  .string()
  .regex(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){0,5}$/, "must be a MAC prefix like 52:54:00")
  .transform((s) => s.toLowerCase());

const regex = z.string().min(1).max(200).refine((s) => {
  try {
    new RegExp(s, "i");
    return true;
  } catch {
    return false;
  }
}, "must be a valid regular expression");

export const discoverySchema = z
  .object({
    /** Off by default, as Ironic's `[auto_discovery] enabled`: the path needs no credentials. */
    enabled: z.boolean().default(false),
    /** Driver of discovered nodes (Ironic's `[auto_discovery] driver`); must be enabled. */
    driver: z.string().min(1).default("ipmi"),
    ignore: z
      .object({
        /** Case-insensitive regexes matched against `system_vendor.manufacturer` and `product_name`. */
        vendors: z.array(regex).default([]),
        /** A server any of whose MACs starts with one of these is not enrolled. */
        mac_prefixes: z.array(macPrefix).default([]),
      })
      .strict()
      .prefault({}),
    /** Name the node after the inventory's `hostname` when it is a valid, unused Ironic name. */
    name_from_hostname: z.boolean().default(false),
    /** Nodes created per minute at most (every caller together); more get a 429. */
    max_per_minute: z.number().int().min(1).max(10000).default(10),
    /** Interfaces (MACs) one inventory may report; more is refused as hostile. */
    max_interfaces: z.number().int().min(1).max(256).default(32),
  })
  .strict();

export type DiscoveryConfig = z.infer<typeof discoverySchema>;
