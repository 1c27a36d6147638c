/**
 * @module protocol/steps
 * Clean/deploy/service steps as Ironic and IPA exchange them.
 */
import { z } from "zod";

export const StepInterfaceSchema = z.enum(["deploy", "raid", "bios", "management", "firmware", "power", "boot", "rescue"]);

/** A step as an agent advertises it in `get_*_steps`. */
export const StepDefinitionSchema = z.object({
  step: z.string().min(1),
  priority: z.number().int(),
  interface: z.string().min(1),
  reboot_requested: z.boolean().default(false),
  abortable: z.boolean().default(false),
  argsinfo: z
    .record(z.string(), z.object({ description: z.string(), required: z.boolean().default(false) }).loose())
    .nullable()
    .optional(),
  requires_ramdisk: z.boolean().optional(),
});
export type StepDefinition = z.infer<typeof StepDefinitionSchema>;
/** What a manager may write: the defaulted fields are optional. */
export type StepDefinitionInput = z.input<typeof StepDefinitionSchema>;

/** A step as the conductor sends it to `execute_*_step`. */
export const StepRequestSchema = z
  .object({
    step: z.string().min(1),
    interface: z.string().min(1),
    args: z.record(z.string(), z.unknown()).default({}),
    priority: z.number().int().optional(),
  })
  .loose();
export type StepRequest = z.infer<typeof StepRequestSchema>;

export const StepKindSchema = z.enum(["clean", "deploy", "service"]);
export type StepKind = z.infer<typeof StepKindSchema>;

/** `hardware_manager_version`: `{ manager_name: version }`. */
export const HardwareManagerVersionSchema = z.record(z.string(), z.string());
export type HardwareManagerVersion = z.infer<typeof HardwareManagerVersionSchema>;

/** Params of `clean.get_clean_steps` / `deploy.get_deploy_steps`. */
export const GetStepsParamsSchema = z
  .object({
    node: z.record(z.string(), z.unknown()).default({}),
    ports: z.array(z.record(z.string(), z.unknown())).default([]),
  })
  .loose();

/** Params of `clean.execute_clean_step` etc. The version key depends on the kind. */
export const ExecuteStepParamsSchema = z
  .object({
    step: StepRequestSchema,
    node: z.record(z.string(), z.unknown()).default({}),
    ports: z.array(z.record(z.string(), z.unknown())).default([]),
    clean_version: HardwareManagerVersionSchema.nullable().optional(),
    deploy_version: HardwareManagerVersionSchema.nullable().optional(),
    service_version: HardwareManagerVersionSchema.nullable().optional(),
  })
  .loose();
export type ExecuteStepParams = z.infer<typeof ExecuteStepParamsSchema>;
