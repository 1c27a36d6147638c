/**
 * @module agent/extensions/no-params
 * The params schema of commands that take none (IPA ignores extra keys, so do we).
 */
import { z } from "zod";

export const NoParams = z.object({}).loose();
