/**
 * @module agent/config/agent-config
 * Turns raw parameters (kernel command line, then flags, which win) into the agent's frozen
 * configuration. Bad values fail here, once, with the parameter named.
 */
import { PARAMETERS, type ParameterName, type ParameterSpec, type ParameterValues } from "./parameters.ts";
import type { RawParameter } from "./parse-sources.ts";

/** The agent's settings. Built once by `main`, then frozen and passed down. */
export interface AgentConfig {
  readonly apiUrls: readonly string[];
  readonly standalone: boolean;
  readonly insecure: boolean;
  readonly debug: boolean;
  readonly listenHost: string;
  readonly listenPort: number;
  readonly advertiseHost: string | null;
  readonly advertisePort: number;
  readonly advertiseProtocol: "http" | "https" | null;
  readonly lookupTimeoutS: number;
  readonly lookupIntervalS: number;
  /** Where to post the inventory when lookup finds no node (discovery); null: never post. */
  readonly inspectionCallbackUrl: string | null;
  readonly agentToken: string | null;
  readonly globalRequestId: string | null;
  readonly ironicApiVersion: string | null;
  readonly httpRequestTimeoutS: number;
  readonly hardwareInitializationDelayS: number;
  readonly diskWaitAttempts: number;
  readonly diskWaitDelayS: number;
  readonly imageDownload: {
    readonly connectionTimeoutS: number;
    readonly connectionRetries: number;
    readonly retryIntervalS: number;
    readonly maxDurationS: number;
  };
  readonly tlsMinVersion: "1.2" | "1.3";
  readonly tlsCurve: string;
  readonly guardSpecialFilesystems: boolean;
  readonly bootif: string | null;
  readonly allowLoopDevices: boolean;
  /** When set, every other disk is hidden from inventory, erase and image writing. */
  readonly onlyDisks: readonly string[] | null;
  readonly simulatePower: boolean;
  readonly autoTls: boolean;
  readonly tlsDir: string;
  readonly hardwareManagersDir: string;
  readonly logFile: string | null;
  readonly cmdlineFile: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "ConfigError";
  }
}

export interface BuildResult {
  config: AgentConfig;
  /** Parameters that were not recognised (logged at debug level by the caller). */
  unknown: RawParameter[];
}

/**
 * Validates and merges parameters; later entries win (pass cmdline first, flags last).
 * @throws ConfigError naming every bad parameter.
 * @example
 * const { config } = buildAgentConfig([...parseCmdline(text), ...flags.params]);
 */
export function buildAgentConfig(raw: readonly RawParameter[]): BuildResult {
  const chosen = new Map<string, RawParameter>();
  const unknown: RawParameter[] = [];
  for (const p of raw) {
    if (p.name in PARAMETERS) chosen.set(p.name, p);
    else unknown.push(p);
  }
  const values: Partial<Record<ParameterName, unknown>> = {};
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(PARAMETERS) as Array<[ParameterName, (typeof PARAMETERS)[ParameterName]]>) {
    const given = chosen.get(name);
    const input = given?.value ?? ("default" in spec ? spec.default : undefined);
    if (input === undefined) continue;
    const parsed = spec.schema.safeParse(input);
    if (parsed.success) values[name] = parsed.data;
    else {
      const where = given ? (given.source === "flag" ? `--${name}` : `${name} (kernel command line)`) : `${name} default`;
      problems.push(`${where}: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  const v = values as ParameterValues;
  const listenPort = v["ipa-listen-port"] as number;
  const config: AgentConfig = {
    apiUrls: (v["ipa-api-url"] as string[] | undefined) ?? [],
    standalone: Boolean(v["ipa-standalone"]),
    insecure: Boolean(v["ipa-insecure"]),
    debug: Boolean(v["ipa-debug"]),
    listenHost: v["ipa-listen-host"] as string,
    listenPort,
    advertiseHost: (v["ipa-advertise-host"] as string | undefined) ?? null,
    advertisePort: (v["ipa-advertise-port"] as number | undefined) ?? listenPort,
    advertiseProtocol: (v["ipa-advertise-protocol"] as "http" | "https" | undefined) ?? null,
    lookupTimeoutS: v["ipa-lookup-timeout"] as number,
    lookupIntervalS: v["ipa-lookup-interval"] as number,
    inspectionCallbackUrl: (v["ipa-inspection-callback-url"] as string | undefined) ?? null,
    agentToken: (v["ipa-agent-token"] as string | undefined) ?? null,
    globalRequestId: (v["ipa-global-request-id"] as string | undefined) ?? null,
    ironicApiVersion: (v["ipa-ironic-api-version"] as string | undefined) ?? null,
    httpRequestTimeoutS: v["ipa-http-request-timeout"] as number,
    hardwareInitializationDelayS: v["ipa-hardware-initialization-delay"] as number,
    diskWaitAttempts: v["ipa-disk-wait-attempts"] as number,
    diskWaitDelayS: v["ipa-disk-wait-delay"] as number,
    imageDownload: Object.freeze({
      connectionTimeoutS: v["ipa-image-download-connection-timeout"] as number,
      connectionRetries: v["ipa-image-download-connection-retries"] as number,
      retryIntervalS: v["ipa-image-download-connection-retry-interval"] as number,
      maxDurationS: v["ipa-image-download-max-duration"] as number,
    }),
    tlsMinVersion: v["ipa-tls-min-version"] as "1.2" | "1.3",
    tlsCurve: v["ipa-tls-certificate-curve"] as string,
    guardSpecialFilesystems: Boolean(v["ipa-guard-special-filesystems"]),
    bootif: (v.BOOTIF as string | undefined) ?? null,
    allowLoopDevices: Boolean(v["teeth-allow-loop-devices"]),
    onlyDisks: (v["teeth-only-disks"] as string[] | undefined) ?? null,
    simulatePower: Boolean(v["teeth-simulate-power"]),
    autoTls: Boolean(v["teeth-auto-tls"]),
    tlsDir: v["teeth-tls-dir"] as string,
    hardwareManagersDir: v["teeth-hardware-managers-dir"] as string,
    logFile: (v["teeth-log-file"] as string | undefined) ?? null,
    cmdlineFile: v["teeth-cmdline-file"] as string,
  };
  return { config: Object.freeze(config), unknown };
}

/** Names of boolean parameters (a bare `--name` flag means true). */
export function isBooleanParameter(name: string): boolean {
  return (PARAMETERS as Record<string, ParameterSpec>)[name]?.kind === "boolean";
}

/** `teeth agent --help`. */
export function agentHelp(version: string): string {
  const rows = Object.entries(PARAMETERS).map(([name, spec]) => {
    const def = "default" in spec && spec.default !== undefined ? ` (default ${spec.default})` : "";
    return `  --${name}=VALUE`.padEnd(52) + spec.help + def;
  });
  return `teeth agent ${version}: the in-ramdisk provisioning agent (speaks ironic-python-agent's protocol)

Usage: teeth agent [--name=VALUE ...]

Every parameter is read from the kernel command line (/proc/cmdline) as name=value, and may
be given as a flag of the same name; flags win. Unknown parameters are ignored.

Parameters:
${rows.join("\n")}

Example (a developer box, no spare disks, never powering off):
  teeth agent --ipa-api-url=http://127.0.0.1:6385 --teeth-allow-loop-devices=1 \\
              --teeth-simulate-power=1 --teeth-cmdline-file=/dev/null
`;
}
