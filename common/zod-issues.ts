/**
 * @module common/zod-issues
 * One way to tell a caller what was wrong with what they sent: `path: message` per issue,
 * joined by "; ", unknown keys named, at most a few issues (the rest are noise).
 */
import type { z } from "zod";

/**
 * @example
 * describeZodError(parsed.error)                      // "image_info.urls: Required; unknown field(s) 'x'"
 * describeZodError(parsed.error, { root: "params" })  // "params: Expected object, received string"
 */
export function describeZodError(error: z.ZodError, options: { root?: string; limit?: number } = {}): string {
  const limit = options.limit ?? 5;
  const described = error.issues.slice(0, limit).map((i) => {
    const path = i.path.map(String).join(".") || options.root || "";
    // A custom issue marked standalone (Ironic-worded) names its field already.
    if (i.code === "custom" && (i.params as { standalone?: boolean } | undefined)?.standalone) return i.message;
    if (i.code === "unrecognized_keys") return `unknown field(s) ${i.keys.map((k) => `'${k}'`).join(", ")}${path ? ` in ${path}` : ""}`;
    return path ? `${path}: ${i.message}` : i.message;
  });
  const more = error.issues.length - limit;
  return described.join("; ") + (more > 0 ? `; and ${more} more` : "");
}
