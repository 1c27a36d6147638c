/**
 * @module hardware-managers/generic/firmware/checksum
 * Which hash a firmware checksum is, as IPA infers it for images: by length, or an explicit
 * `algo:hex`. MD5 only when the conductor allows it (`agent_md5_checksum_enable`).
 */

export type HashAlgorithm = "sha256" | "sha512" | "md5";

export type ParsedChecksum = { ok: true; algorithm: HashAlgorithm; hex: string } | { ok: false; reason: string };

const BY_LENGTH: Record<number, HashAlgorithm> = { 64: "sha256", 128: "sha512", 32: "md5" };

/**
 * @example
 * parseChecksum("sha256:ab12...", { md5Allowed: false }) // { ok: true, algorithm: "sha256", hex: "ab12..." }
 * parseChecksum("d41d8cd98f00b204e9800998ecf8427e", { md5Allowed: false }).ok // false
 */
export function parseChecksum(value: unknown, options: { md5Allowed: boolean; algorithm?: unknown }): ParsedChecksum {
  if (typeof value !== "string" || value.trim() === "") return { ok: false, reason: "checksum is required" };
  let text = value.trim().toLowerCase();
  let algorithm: string | undefined = typeof options.algorithm === "string" ? options.algorithm.toLowerCase() : undefined;
  const colon = text.indexOf(":");
  if (colon > 0) {
    algorithm = text.slice(0, colon);
    text = text.slice(colon + 1);
  }
  if (!/^[0-9a-f]+$/.test(text)) return { ok: false, reason: "checksum is not hexadecimal" };
  const byLength = BY_LENGTH[text.length];
  algorithm ??= byLength;
  if (!algorithm || algorithm !== byLength) return { ok: false, reason: `checksum length ${text.length} does not match ${algorithm ?? "any known hash"}` };
  if (algorithm === "md5" && !options.md5Allowed) return { ok: false, reason: "md5 checksums are disabled (agent_md5_checksum_enable)" };
  return { ok: true, algorithm: algorithm as HashAlgorithm, hex: text };
}
