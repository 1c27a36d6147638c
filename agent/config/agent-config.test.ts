import { describe, expect, test } from "bun:test";
import { ConfigError, buildAgentConfig, isBooleanParameter } from "./agent-config.ts";
import { PARAMETERS } from "./parameters.ts";
import { parseCmdline, parseFlags } from "./parse-sources.ts";

describe("agent parameters", () => {
  test("kernel command line: quoted values, bare words, IPA defaults", () => {
    const raw = parseCmdline('BOOT_IMAGE=/vmlinuz ro quiet ipa-api-url="http://10.0.0.1:6385" ipa-debug=1 BOOTIF=01-52-54-00-AB-cd-01\n');
    const { config, unknown } = buildAgentConfig(raw);
    expect(config.apiUrls).toEqual(["http://10.0.0.1:6385"]);
    expect(config.debug).toBe(true);
    expect(config.bootif).toBe("52:54:00:ab:cd:01");
    expect(config.listenPort).toBe(9999);
    expect(config.advertisePort).toBe(9999);
    expect(config.lookupTimeoutS).toBe(600);
    expect(config.imageDownload).toEqual({ connectionTimeoutS: 60, connectionRetries: 9, retryIntervalS: 10, maxDurationS: 0 });
    expect(config.autoTls).toBe(true);
    expect(config.allowLoopDevices).toBe(false);
    expect(unknown.map((u) => u.name)).toEqual(["BOOT_IMAGE", "ro", "quiet"]);
    expect(Object.isFrozen(config)).toBe(true);
  });

  test("flags win over the kernel command line", () => {
    const flags = parseFlags(["--ipa-listen-port", "1234", "--ipa-debug", "--teeth-simulate-power=1"], isBooleanParameter);
    const { config } = buildAgentConfig([...parseCmdline("ipa-listen-port=9000 ipa-debug=0"), ...flags.params]);
    expect(config.listenPort).toBe(1234);
    expect(config.debug).toBe(true);
    expect(config.simulatePower).toBe(true);
  });

  test("bad values fail with every offending parameter named", () => {
    let error: ConfigError | null = null;
    try {
      buildAgentConfig([
        ...parseCmdline("ipa-listen-port=70000 ipa-api-url=ftp://x BOOTIF=zz"),
        { name: "ipa-insecure", value: "maybe", source: "flag" },
      ]);
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems.join("\n")).toContain("ipa-listen-port (kernel command line): expected an integer 1..65535, got '70000'");
    expect(error!.problems.join("\n")).toContain("expected http(s) URL(s), got 'ftp://x'");
    expect(error!.problems.join("\n")).toContain("BOOTIF (kernel command line): expected a MAC address");
    expect(error!.problems.join("\n")).toContain("--ipa-insecure: expected a boolean");
  });

  test("space-separated values follow the parameter's kind, not its default", () => {
    // ipa-lookup-interval defaults to "1": once read as a boolean, the 5 became a stray argument.
    const flags = parseFlags(["--ipa-lookup-interval", "5", "--ipa-disk-wait-attempts", "3", "--ipa-api-url", "http://10.0.0.1:6385"], isBooleanParameter);
    expect(flags.errors).toEqual([]);
    const { config } = buildAgentConfig(flags.params);
    expect(config.lookupIntervalS).toBe(5);
    expect(config.diskWaitAttempts).toBe(3);
    expect(config.apiUrls).toEqual(["http://10.0.0.1:6385"]);
  });

  test("--name=value, a boolean alone, a boolean with its word, and a boolean before a stray argument", () => {
    const flags = parseFlags(["--ipa-lookup-interval=7", "--teeth-simulate-power", "--ipa-debug", "0", "--teeth-auto-tls", "stray"], isBooleanParameter);
    expect(flags.errors).toEqual(["unexpected argument 'stray' (parameters are --name=value)"]);
    const { config } = buildAgentConfig(flags.params);
    expect(config.lookupIntervalS).toBe(7);
    expect(config.simulatePower).toBe(true);
    expect(config.debug).toBe(false);
    expect(config.autoTls).toBe(true);
  });

  test("every parameter has a kind, and only booleans are boolean flags", () => {
    for (const [name, spec] of Object.entries(PARAMETERS)) {
      expect(["boolean", "integer", "seconds", "string", "list"]).toContain(spec.kind);
      expect(isBooleanParameter(name)).toBe(spec.kind === "boolean");
    }
    expect(isBooleanParameter("ipa-lookup-interval")).toBe(false);
    expect(isBooleanParameter("ipa-guard-special-filesystems")).toBe(true);
  });

  test("stray arguments and --help are reported by the flag parser", () => {
    const f = parseFlags(["agent-typo", "-h"], isBooleanParameter);
    expect(f.help).toBe(true);
    expect(f.errors).toEqual(["unexpected argument 'agent-typo' (parameters are --name=value)"]);
  });
});
