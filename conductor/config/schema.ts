/**
 * @module conductor/config/schema
 * The conductor's configuration: one zod schema, every key with its default. Unknown keys are
 * refused so a typo is named at start instead of silently ignored.
 */
import { z } from "zod";
import { bootSchema } from "./boot-schema.ts";

const listenSchema = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, "must be HOST:PORT")
  .refine((s) => Number(s.slice(s.lastIndexOf(":") + 1)) <= 65535, "port must be <= 65535");

export const ConductorConfigSchema = z
  .object({
    /** HOST:PORT of the API (operator + ramdisk + images). Ironic's port is 6385. */
    listen: listenSchema.default("127.0.0.1:6385"),
    /** Where the SQLite store and `images/` live. */
    data_dir: z.string().min(1).optional(),
    /** The URL agents use to reach this conductor (image URLs are built from it). */
    public_url: z.string().url().optional(),
    log_level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    auth: z
      .object({
        /** Bearer token required on the operator API when not listening on loopback only. */
        token: z.string().min(16).nullable().default(null),
      })
      .strict()
      .prefault({}),
    enabled_drivers: z.array(z.string().min(1)).min(1).default(["fake-hardware"]),
    agent: z
      .object({
        /** Refuse http:// callback URLs (Ironic >= 26 defaults to true; 21.4 to false). */
        require_tls: z.boolean().default(false),
        command_timeout_s: z.number().positive().default(60),
        max_command_attempts: z.number().int().min(1).max(10).default(3),
        /** While an agent step runs, poll its status this often (for progress and prompt completion). */
        poll_interval_s: z.number().positive().default(2),
        /** Sent to agents as `config.heartbeat_timeout` (they heartbeat at 30-60% of it). */
        heartbeat_timeout_s: z.number().int().positive().default(300),
        /** Ironic's fast track: agents may look up and heartbeat in manageable/available. */
        fast_track: z.boolean().default(false),
        /** Sent to agents as `config.permitted_image_formats` (Ironic's `[conductor] permitted_image_formats`). */
        permitted_image_formats: z.array(z.enum(["raw", "gpt", "qcow2", "iso"])).min(1).default(["raw", "gpt", "qcow2", "iso"]),
      })
      .strict()
      .prefault({}),
    timeouts: z
      .object({
        deploy_callback_s: z.number().positive().default(1800),
        clean_callback_s: z.number().positive().default(1800),
        inspect_wait_s: z.number().positive().default(1800),
        /** How often the timeout sweep runs. */
        check_interval_s: z.number().positive().default(10),
      })
      .strict()
      .prefault({}),
    cleaning: z
      .object({
        automated_clean: z.boolean().default(true),
        /** Override of the agent's `erase_devices` priority (null: keep the agent's; 0: disable). */
        erase_devices_priority: z.number().int().min(0).nullable().default(null),
        erase_devices_metadata_priority: z.number().int().min(0).nullable().default(99),
      })
      .strict()
      .prefault({}),
    fake_hardware: z
      .object({
        /**
         * Optional program run on every fake power/boot action, like ipmi_sim's chassis
         * control: `script <node-uuid> power on|off|reboot` and `script <node-uuid> boot pxe|disk`.
         */
        power_script: z.string().min(1).nullable().default(null),
        /** `fake` records ramdisk/instance boot; `pxe` uses the real PXE boot (a lab's QEMU guest). */
        boot: z.enum(["fake", "pxe"]).default("fake"),
      })
      .strict()
      .prefault({}),
    boot: bootSchema.prefault({}),
  })
  .strict();

export type ConductorConfigInput = z.input<typeof ConductorConfigSchema>;
/** The validated, frozen configuration every component receives. */
export type ConductorConfig = Readonly<
  Omit<z.infer<typeof ConductorConfigSchema>, "data_dir" | "public_url"> & { data_dir: string; public_url: string }
>;
