/**
 * @module conductor/config/load
 * Reads the config file (JSON), applies command-line flags over it, validates once with zod,
 * and freezes the result. A bad key is named in the error (`agent.poll_interval_s: ...`).
 */
import { lookup } from "node:dns/promises";
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { resolve } from "node:path";
import { z } from "zod";
import { isLoopbackAddress } from "../../common/ip-address.ts";
import { describeZodError } from "../../common/zod-issues.ts";
import { conductorError } from "../errors.ts";
import { ConductorConfigSchema, type ConductorConfig } from "./schema.ts";

export interface ConfigSources {
  /** Parsed content of the config file, if any. */
  file?: unknown;
  /** Flag overrides (`listen`, `data_dir`, `public_url`, `log_level`). */
  flags?: Record<string, string | undefined>;
  /** True when the process runs as root (decides the default data dir). */
  isRoot?: boolean;
  cwd?: string;
  /** What the listen host resolved to, when it is a name (`resolveListenHost`). */
  listenAddresses?: readonly string[];
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Every issue, as the API and the agent word them. */
function formatIssues(error: z.ZodError): string {
  return describeZodError(error, { root: "config", limit: Infinity });
}

function listenHostOf(listen: string): string {
  return listen.slice(0, listen.lastIndexOf(":")).replace(/^\[|\]$/g, "");
}

/**
 * Whether the API listens on loopback only, decided on addresses, never on how a name looks
 * (`127.example.org` is not loopback): a literal in 127.0.0.0/8 or ::1, `localhost`, or a
 * name that resolved (`resolveListenHost`) to loopback addresses only.
 */
function isLoopbackListen(listen: string, resolved: readonly string[] | undefined): boolean {
  const host = listenHostOf(listen);
  if (host.toLowerCase() === "localhost") return true;
  if (isIP(host)) return isLoopbackAddress(host);
  return resolved !== undefined && resolved.length > 0 && resolved.every(isLoopbackAddress);
}

/**
 * Resolves the listen host when it is a name (not an IP literal or `localhost`), so
 * `buildConfig` can decide loopback on addresses. Only `main` calls it; [] when it does not resolve.
 * @example
 * const listenAddresses = await resolveListenHost(sources); // ["127.0.0.1"] for a hosts-file name
 */
export async function resolveListenHost(sources: ConfigSources): Promise<string[] | undefined> {
  const file = (sources.file ?? {}) as Record<string, unknown>;
  const listen = sources.flags?.listen ?? (typeof file.listen === "string" ? file.listen : undefined);
  if (!listen || !listen.includes(":")) return undefined;
  const host = listenHostOf(listen);
  if (isIP(host) || host.toLowerCase() === "localhost") return undefined;
  try {
    const found = await Promise.race([
      lookup(host, { all: true }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), 5000).unref?.()),
    ]);
    return found.map((a) => a.address);
  } catch {
    return [];
  }
}

/**
 * Builds the frozen configuration.
 * @example
 * const config = buildConfig({ file: { listen: "127.0.0.1:7000" }, flags: { data_dir: "/tmp/t" } });
 * config.listen; // "127.0.0.1:7000"
 */
export function buildConfig(sources: ConfigSources = {}): ConductorConfig {
  const file = sources.file ?? {};
  if (typeof file !== "object" || file === null || Array.isArray(file)) {
    throw conductorError("CONFIG_INVALID", { reason: "the config file must hold a JSON object" });
  }
  const merged: Record<string, unknown> = { ...(file as Record<string, unknown>) };
  for (const [k, v] of Object.entries(sources.flags ?? {})) if (v !== undefined) merged[k] = v;
  const parsed = ConductorConfigSchema.safeParse(merged);
  if (!parsed.success) throw conductorError("CONFIG_INVALID", { reason: formatIssues(parsed.error) });
  const c = parsed.data;
  const dataDir = resolve(sources.cwd ?? process.cwd(), c.data_dir ?? (sources.isRoot ? "/var/lib/teeth" : "./teeth-data"));
  const listenHost = c.listen.slice(0, c.listen.lastIndexOf(":"));
  const publicHost = listenHost === "0.0.0.0" || listenHost === "[::]" ? "127.0.0.1" : listenHost;
  const publicUrl = (c.public_url ?? `http://${publicHost}:${c.listen.slice(c.listen.lastIndexOf(":") + 1)}`).replace(/\/+$/, "");
  const loopback = isLoopbackListen(c.listen, sources.listenAddresses);
  const strategies = authStrategies(c.auth);
  if (strategies.includes("token") && !c.auth.token) throw conductorError("CONFIG_INVALID", { reason: "auth.token: required by auth.strategy token" });
  if (strategies.includes("http_basic") && !c.auth.htpasswd_file) {
    throw conductorError("CONFIG_INVALID", { reason: "auth.htpasswd_file: required by auth.strategy http_basic" });
  }
  if (!loopback && strategies.length === 0) {
    throw conductorError("CONFIG_INVALID", {
      reason: `auth.token: required when listening on ${c.listen} (noauth is allowed on loopback only)`,
    });
  }
  if (c.discovery.enabled && !c.enabled_drivers.includes(c.discovery.driver)) {
    throw conductorError("CONFIG_INVALID", { reason: `discovery.driver: ${c.discovery.driver} is not in enabled_drivers` });
  }
  const boot = { ...c.boot, kernel: resolve(sources.cwd ?? process.cwd(), c.boot.kernel), initramfs: resolve(sources.cwd ?? process.cwd(), c.boot.initramfs) };
  return deepFreeze({ ...c, data_dir: dataDir, public_url: publicUrl, listen_loopback: loopback, boot });
}

/** The authentication strategies the operator API accepts; empty means noauth. */
export function authStrategies(auth: ConductorConfig["auth"]): ("token" | "http_basic")[] {
  const s = auth.strategy;
  if (s === null) return auth.token ? ["token"] : [];
  if (s === "noauth") return [];
  return typeof s === "string" ? [s] : [...new Set(s)];
}

/** Whether the operator API may run without authentication. */
export function allowsNoAuth(config: ConductorConfig): boolean {
  return config.listen_loopback && authStrategies(config.auth).length === 0;
}

/** Reads and parses a JSON config file, naming the file in any error. */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw conductorError("CONFIG_INVALID", { reason: `cannot read ${path}: ${(e as Error).message}` });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw conductorError("CONFIG_INVALID", { reason: `${path} is not valid JSON: ${(e as Error).message}` });
  }
}
