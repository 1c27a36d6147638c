/**
 * @module conductor/api/resources/traits-field
 * Ironic's trait names (`TRAITS_SCHEMA`: `CUSTOM_[A-Z0-9_]+` or one of os-traits' standard
 * names).
 */
import { z } from "zod";
import { shown, STANDALONE } from "../../../protocol/ironic-fields.ts";

const CUSTOM = /^CUSTOM_[A-Z0-9_]+$/;
/** os-traits' standard names are upper-case words joined by `_` (HW_CPU_X86_AVX2, COMPUTE_...). */
const STANDARD = /^(?:HW|COMPUTE|STORAGE|MISC_SHARES|HW_NIC|OWNER|ACCELERATOR)_[A-Z0-9_]+$/;

/** Why `v` is not a trait name, or null. */
export function traitProblem(v: unknown): string | null {
  if (typeof v !== "string" || v.length < 1 || v.length > 255) return `${shown(v)} is not a valid trait: a string of 1 to 255 characters`;
  if (!CUSTOM.test(v) && !STANDARD.test(v)) return `'${shown(v)}' is not valid under any of the given schemas: a trait is CUSTOM_[A-Z0-9_]+ or a standard trait`;
  return null;
}

export function traitField(field: string) {
  return z.unknown().superRefine((v, ctx) => {
    const p = traitProblem(v);
    if (p) ctx.addIssue({ code: "custom", message: `Invalid ${field}: ${p}`, params: STANDALONE });
  }) as unknown as z.ZodType<string>;
}
