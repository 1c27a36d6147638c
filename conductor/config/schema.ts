/**
 * @module conductor/config/schema
 * The conductor's configuration: one zod schema, every key with its default. Unknown keys are
 * refused so a typo is named at start instead of silently ignored.
 */
import { z } from "zod";
import { bootSchema } from "./boot-schema.ts";
import { deploySchema } from "./deploy-schema.ts";
import { discoverySchema } from "./discovery-schema.ts";
import { IMPLEMENTATIONS, INTERFACE_KINDS, type InterfaceKind } from "../drivers/interfaces.ts";

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
        /**
         * Ironic's `auth_strategy`: `noauth` (loopback only), `token`, `http_basic`, or a list of
         * `token` and `http_basic` (either answers). null: `token` when a token is set, else noauth.
         */
        strategy: z
          .union([z.enum(["noauth", "token", "http_basic"]), z.array(z.enum(["token", "http_basic"])).min(1).max(2)])
          .nullable()
          .default(null),
        /** Apache htpasswd file with bcrypt digests (Ironic's `http_basic_auth_user_file`); re-read when it changes. */
        htpasswd_file: z.string().min(1).nullable().default(null),
      })
      .strict()
      .prefault({}),
    /**
     * Ironic's `enabled_<kind>_interfaces` and `default_<kind>_interface`, by kind (`boot`,
     * `deploy`, ...); a kind left out keeps every implementation Teeth has enabled and the
     * hardware type's first enabled one as default (see `drivers/interfaces.ts`).
     */
    interfaces: z
      .object({
        enabled: z.partialRecord(z.enum(INTERFACE_KINDS), z.array(z.string().min(1)).min(1)).default({}),
        defaults: z.partialRecord(z.enum(INTERFACE_KINDS), z.string().min(1)).default({}),
      })
      .strict()
      .prefault({})
      .superRefine((v, ctx) => {
        for (const [kind, names] of Object.entries(v.enabled)) {
          for (const n of names ?? []) {
            if (!IMPLEMENTATIONS[kind as InterfaceKind].includes(n)) {
              ctx.addIssue({ code: "custom", path: ["enabled", kind], message: `unknown ${kind} interface '${n}' (Teeth has ${IMPLEMENTATIONS[kind as InterfaceKind].join(", ")})` });
            }
          }
        }
      }),
    /**
     * Ironic's `[conductor] conductor_group`: the group this conductor serves. A node may only
     * name this group (`""`, the default, is Ironic's default group); any other is refused as
     * Ironic refuses a group no conductor serves.
     */
    conductor_group: z.string().max(255).regex(/^[a-zA-Z0-9_.-]*$/, "may hold only a-z A-Z 0-9 _ - .").transform((g) => g.toLowerCase()).default(""),
    /** Hardware types nodes may use (Ironic's `enabled_hardware_types`); unknown names are ignored. */
    enabled_drivers: z.array(z.string().min(1)).min(1).default(["ipmi", "redfish", "fake-hardware"]),
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
        /** Ironic's `[deploy] fast_track_timeout`: a heartbeat younger than this (and the BMC reading power on) counts as a live agent. */
        fast_track_timeout_s: z.number().positive().max(3600).default(300),
        /** Sent to agents as `config.permitted_image_formats` (Ironic's `[conductor] permitted_image_formats`). */
        permitted_image_formats: z.array(z.enum(["raw", "gpt", "qcow2", "iso"])).min(1).default(["raw", "gpt", "qcow2", "iso"]),
        /** After `standby.kexec_boot` answered, the agent must stop answering within this many seconds, else the firmware reboot is used. */
        kexec_confirm_s: z.number().positive().default(30),
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
        /** Ironic's `[conductor] clean_step_priority_override`: `{"deploy.erase_devices_express": 95}` (0 disables a step); wins over the two above. */
        step_priority_override: z.record(z.string().regex(/^\w+\.\w+$/, "must be interface.step"), z.number().int().min(0)).default({}),
      })
      .strict()
      .prefault({}),
    power: z
      .object({
        /** Bound of a hard power action (on, off, reboot) unless the request gives `timeout` (Ironic's `power_state_change_timeout`). */
        action_timeout_s: z.number().int().positive().default(60),
        /** Bound of a soft power off / soft reboot unless the request gives `timeout` (Ironic's `soft_power_off_timeout`). */
        soft_power_off_timeout_s: z.number().int().positive().default(600),
        /** Seconds between power-state syncs with the BMCs; 0 disables the sync (Ironic's name). */
        sync_power_state_interval: z.number().min(0).default(60),
        /** true: power a node back to its recorded state; false: record what the BMC says (Ironic's name and default). */
        force_power_state_during_sync: z.boolean().default(false),
        /** Failed syncs in a row after which a node goes into maintenance with fault `power failure` (Ironic's name). */
        power_state_sync_max_retries: z.number().int().min(0).default(3),
        /** BMCs read at once by one sync pass (Ironic's name). */
        sync_power_state_workers: z.number().int().min(1).max(64).default(8),
        /** Seconds between retries of nodes in maintenance for `power failure`; 0 disables recovery (Ironic's name). */
        power_failure_recovery_interval: z.number().min(0).default(300),
      })
      .strict()
      .prefault({}),
    ipmi: z
      .object({
        /** One ipmitool run is killed after this many seconds (then retried if retries remain). */
        command_timeout_s: z.number().positive().default(15),
        /** Extra attempts after a transient failure (no answer, BMC busy); never after an auth failure. */
        retries: z.number().int().min(0).max(10).default(2),
        /** First pause before a retry, doubled on each further retry. */
        retry_backoff_s: z.number().min(0).default(1),
        /** Least time between two commands to the same BMC (Ironic's `min_command_interval`, 5 s there). */
        min_command_interval_s: z.number().min(0).default(1),
        /** ipmitool `-N`: seconds before it retransmits an unanswered packet (it tries twice, `-R 1`). */
        packet_timeout_s: z.number().int().min(1).max(30).default(2),
        /** Wait for a power action made without a timeout (direct driver use; the conductor always passes its `power.*` bound). */
        power_wait_s: z.number().positive().default(30),
        /** While waiting for a power state, read it this often. */
        power_poll_interval_s: z.number().positive().default(1),
        /** Timeout of the one-time probe of cipher suite 17 on a BMC whose driver_info names none. */
        cipher_probe_timeout_s: z.number().positive().default(3),
      })
      .strict()
      .prefault({}),
    redfish: z
      .object({
        /** Budget of one read (power state, boot device) or of issuing one write, login and discovery included. */
        request_timeout_s: z.number().positive().default(30),
        /** Wait for PowerState after a reset made without a timeout (direct driver use; the conductor always passes its `power.*` bound). */
        power_state_change_timeout_s: z.number().positive().default(60),
        /** The same for soft power off and soft reboot. */
        soft_power_off_timeout_s: z.number().positive().default(600),
        /** How often task monitors are polled, and PowerState at most (it starts at 100 ms and doubles up to this). */
        poll_interval_s: z.number().positive().default(1),
        /** Tries of a request whose connection failed (Ironic's `[redfish] connection_attempts`). */
        connection_attempts: z.number().int().min(1).max(10).default(3),
        connection_retry_interval_s: z.number().min(0).default(2),
        /** Default of `driver_info/redfish_auth_type` (Ironic's `[redfish] auth_type`). */
        auth_type: z.enum(["auto", "session", "basic"]).default("auto"),
        /** CA bundle used when `redfish_verify_ca` is missing or true (Ironic's `[redfish] verify_ca`); null: the system's roots. */
        verify_ca: z.string().min(1).nullable().default(null),
        /** Sessions kept, one per BMC and user (Ironic's `[redfish] connection_cache_size`); past it the oldest is logged out. */
        session_cache_size: z.number().int().min(1).default(1000),
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
    deploy: deploySchema.prefault({}),
    boot: bootSchema.prefault({}),
    discovery: discoverySchema.prefault({}),
  })
  .strict();

export type ConductorConfigInput = z.input<typeof ConductorConfigSchema>;
/** The validated, frozen configuration every component receives. */
export type ConductorConfig = Readonly<
  Omit<z.infer<typeof ConductorConfigSchema>, "data_dir" | "public_url"> & {
    data_dir: string;
    public_url: string;
    /** Derived, not settable: the API listens on loopback addresses only (decides noauth). */
    listen_loopback: boolean;
  }
>;
