/**
 * @module machine/image/checksum
 * Which hash the image must match, and the hasher that runs over the downloaded bytes as
 * they arrive. `os_hash_algo`/`os_hash_value` win over `checksum`, as in IPA; a `checksum`
 * is either a value whose algorithm follows from its length or the URL of a checksum file.
 */
import { ImageErrors } from "./errors.ts";
import { createParallelHasher } from "./parallel-hasher.ts";

export type HashAlgo = "md5" | "sha256" | "sha384" | "sha512";

export interface ExpectedChecksum {
  readonly algo: HashAlgo;
  /** Lower-case hex. */
  readonly value: string;
}

export interface ChecksumSource {
  checksum?: string | null;
  os_hash_algo?: string | null;
  os_hash_value?: string | null;
}

export interface ResolveChecksumOptions {
  /** IPA's `md5_enabled`: md5 is refused unless the operator allowed it. */
  md5Allowed: boolean;
  /** Fetches a checksum file (same TLS/auth/proxy settings as the image). */
  fetchText: (url: string) => Promise<string>;
  /** The image's file name, to pick its line out of a multi-entry checksum file. */
  imageFileName: string;
}

const BY_LENGTH: Record<number, HashAlgo> = { 32: "md5", 64: "sha256", 96: "sha384", 128: "sha512" };
const HEX = /^[0-9a-fA-F]+$/;

function checkAllowed(algo: string, md5Allowed: boolean): HashAlgo {
  if (algo === "md5") {
    if (!md5Allowed) throw ImageErrors.checksumUnsupported("MD5 image checksums are disabled (md5 not allowed)");
    return "md5";
  }
  if (algo === "sha256" || algo === "sha384" || algo === "sha512") return algo;
  throw ImageErrors.checksumUnsupported(`Image checksum algorithm ${algo} is not supported`);
}

/** Infers the algorithm of a bare hex value from its length. */
export function algoFromValue(value: string, md5Allowed: boolean): ExpectedChecksum {
  const v = value.trim().toLowerCase();
  const algo = BY_LENGTH[v.length];
  if (!HEX.test(v) || !algo) throw ImageErrors.checksumUnsupported(`Image checksum ${JSON.stringify(value)} is not a known hash`);
  return { algo: checkAllowed(algo, md5Allowed), value: v };
}

/**
 * Picks the image's hash out of a checksum file: GNU (`HASH  name`, `HASH *name`), BSD
 * (`SHA256 (name) = HASH`) or a lone hash.
 */
export function parseChecksumFile(text: string, fileName: string): string | null {
  const entries: Array<{ hash: string; name: string | null }> = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const bsd = /^[A-Za-z0-9-]+ \((.+)\) = ([0-9a-fA-F]+)$/.exec(line);
    if (bsd) {
      entries.push({ hash: bsd[2]!, name: bsd[1]! });
      continue;
    }
    const gnu = /^([0-9a-fA-F]+)(?:\s+\*?(.+))?$/.exec(line);
    if (gnu) entries.push({ hash: gnu[1]!, name: gnu[2]?.trim() ?? null });
  }
  const base = (n: string) => n.replace(/^\.\//, "").split("/").pop();
  const match = entries.find((e) => e.name !== null && base(e.name) === fileName);
  if (match) return match.hash;
  if (entries.length === 1) return entries[0]!.hash;
  return null;
}

/**
 * Resolves what the image must hash to, before a byte touches the disk.
 * @example
 * const expected = await resolveExpectedChecksum(info, { md5Allowed: false, fetchText, imageFileName: "disk.img" });
 * // { algo: "sha256", value: "9f86d0..." }
 */
export async function resolveExpectedChecksum(
  info: ChecksumSource,
  options: ResolveChecksumOptions,
): Promise<ExpectedChecksum> {
  if (info.os_hash_algo && info.os_hash_value) {
    const algo = checkAllowed(info.os_hash_algo, options.md5Allowed);
    const value = info.os_hash_value.trim().toLowerCase();
    if (!HEX.test(value)) throw ImageErrors.checksumUnsupported(`os_hash_value is not hex`);
    return { algo, value };
  }
  const checksum = info.checksum?.trim();
  if (!checksum) throw ImageErrors.invalidImageInfo("no checksum");
  if (/^https?:\/\//i.test(checksum)) {
    let text: string;
    try {
      text = await options.fetchText(checksum);
    } catch (error) {
      throw ImageErrors.checksumFileInvalid(checksum, `cannot fetch: ${(error as Error).message}`);
    }
    const hash = parseChecksumFile(text, options.imageFileName);
    if (!hash) throw ImageErrors.checksumFileInvalid(checksum, `no entry for ${options.imageFileName}`);
    return algoFromValue(hash, options.md5Allowed);
  }
  return algoFromValue(checksum, options.md5Allowed);
}

/** A running hash over the downloaded bytes. */
export interface StreamHasher {
  update(chunk: Uint8Array): void;
  /** Lower-case hex; call once. */
  digest(): string;
  /** Releases what the hasher holds (its thread); safe to call twice. */
  close(): void;
}

/**
 * The hash on its own thread (parallel-hasher) when `threaded`, else on the caller's.
 * Bun's hasher is BoringSSL: SHA-256 with SHA-NI at ~2 GB/s.
 * @example
 * const h = createStreamHasher("sha256"); h.update(bytes); h.digest(); h.close();
 */
export function createStreamHasher(algo: HashAlgo, threaded = false): StreamHasher {
  if (threaded) return createParallelHasher(algo);
  const hasher = new Bun.CryptoHasher(algo);
  return {
    update: (chunk) => void hasher.update(chunk),
    digest: () => hasher.digest("hex"),
    close: () => {},
  };
}
