/**
 * @module conductor/api/basic-auth
 * Ironic's `auth_strategy = http_basic`: users from an Apache htpasswd file with bcrypt
 * digests only (`$2y$`, `$2a$`, `$2b$`, as `htpasswd -B` writes and Metal3 mounts). The file
 * is re-read when its mtime or size changes; a verified user/password pair is remembered for
 * a short while (keyed by a hash, never the password) because one bcrypt check costs 70-200 ms
 * of CPU at cost 10 (measured with Bun.password.verify on a loaded 2-core host; 285 ms at cost
 * 12), too much for every request of a polling client.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { conductorError } from "../errors.ts";

/** What a failed check answers: Ironic's basic-auth middleware body and header. */
export interface BasicAuthFailure {
  status: 400 | 401;
  body: { error: { message: string; code: number } };
  headers: Record<string, string>;
}

export const BASIC_REALM = 'Basic realm="Baremetal API"';

function failure(status: 400 | 401, message: string): BasicAuthFailure {
  return { status, body: { error: { message, code: status } }, headers: status === 401 ? { "WWW-Authenticate": BASIC_REALM } : {} };
}

const BCRYPT_PREFIXES = ["$2y$", "$2a$", "$2b$"];

/** Parses an htpasswd text to user → bcrypt digest; any other digest is a config error, as Ironic. */
export function parseHtpasswd(text: string, path: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || !line.includes(":")) continue;
    const i = line.indexOf(":");
    const user = line.slice(0, i);
    const digest = line.slice(i + 1);
    if (!BCRYPT_PREFIXES.includes(digest.slice(0, 4))) {
      throw conductorError("CONFIG_INVALID", { reason: `${path}: only bcrypt digested passwords are supported for ${user}` });
    }
    // The first entry of a user wins, as Ironic's scan of the file.
    if (!users.has(user)) users.set(user, digest);
  }
  return users;
}

export interface BasicAuthOptions {
  /** How long a verified pair is trusted without another bcrypt check. */
  cacheTtlMs?: number;
  now?: () => number;
}

export interface BasicAuthVerifier {
  /** Checks an `Authorization` header; null when it authenticates, else Ironic's answer. */
  check(header: string | undefined): Promise<BasicAuthFailure | null>;
}

/**
 * @example
 * const basic = createBasicAuth("/etc/teeth/htpasswd");
 * const failed = await basic.check(c.req.header("authorization"));
 */
export function createBasicAuth(path: string, opts: BasicAuthOptions = {}): BasicAuthVerifier {
  const ttl = opts.cacheTtlMs ?? 30_000;
  const now = opts.now ?? Date.now;
  let stamp = "";
  let users = new Map<string, string>();
  const verified = new Map<string, number>();

  /** The users, re-read when the file changed; a file that vanished or broke is a 500 (Ironic: ConfigInvalid). */
  function current(): Map<string, string> {
    let st;
    try {
      st = statSync(path);
    } catch (e) {
      throw conductorError("CONFIG_INVALID", { reason: `problem reading auth user file ${path}: ${(e as Error).message}` });
    }
    const s = `${st.mtimeMs}:${st.size}:${st.ino}`;
    if (s !== stamp) {
      users = parseHtpasswd(readFileSync(path, "utf8"), path);
      stamp = s;
      verified.clear();
    }
    return users;
  }

  return {
    async check(header) {
      if (header === undefined) return failure(401, "Authorization required");
      const parts = header.trim().split(/\s+/);
      if (parts.length !== 2) return failure(400, "Could not parse Authorization header");
      if (parts[0]!.toLowerCase() !== "basic") return failure(400, `Unsupported authorization type "${parts[0]!.slice(0, 32)}"`);
      const token = parts[1]!;
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(token) || token.length % 4 !== 0) return failure(400, "Could not decode authorization token");
      const pair = Buffer.from(token, "base64").toString("utf8");
      const colon = pair.indexOf(":");
      if (colon < 0) return failure(400, "Could not decode authorization token");
      const user = pair.slice(0, colon);
      const password = pair.slice(colon + 1);
      const digest = current().get(user);
      if (!digest) return failure(401, "Incorrect username or password");
      const key = createHash("sha256").update(`${digest}\0${user}\0${password}`).digest("hex");
      const until = verified.get(key);
      if (until !== undefined && until > now()) return null;
      if (!(await Bun.password.verify(password, digest))) return failure(401, "Incorrect username or password");
      if (verified.size > 1000) verified.clear();
      verified.set(key, now() + ttl);
      return null;
    },
  };
}
