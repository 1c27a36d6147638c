import { describe, expect, test } from "bun:test";
import { allowsNoAuth, buildConfig, resolveListenHost } from "./load.ts";

describe("buildConfig", () => {
  test("defaults and frozen", () => {
    const c = buildConfig({ isRoot: false, cwd: "/tmp/x" });
    expect(c.listen).toBe("127.0.0.1:6385");
    expect(c.data_dir).toBe("/tmp/x/teeth-data");
    expect(c.public_url).toBe("http://127.0.0.1:6385");
    expect(Object.isFrozen(c.agent)).toBe(true);
    expect(buildConfig({ isRoot: true }).data_dir).toBe("/var/lib/teeth");
  });
  test("flags override the file", () => {
    const c = buildConfig({ file: { listen: "127.0.0.1:1" }, flags: { listen: "127.0.0.1:2" } });
    expect(c.listen).toBe("127.0.0.1:2");
  });
  test("a bad key is named", () => {
    expect(() => buildConfig({ file: { agent: { poll_interval_s: -1 } } })).toThrow(/agent\.poll_interval_s/);
    expect(() => buildConfig({ file: { agent: { bogus: 1 } } })).toThrow(/unknown field\(s\) 'bogus' in agent/);
    expect(() => buildConfig({ file: { listen: "nope" } })).toThrow(/listen/);
  });
  test("discovery is off by default; when on, its driver must be enabled", () => {
    expect(buildConfig({}).discovery).toMatchObject({ enabled: false, driver: "ipmi", max_per_minute: 10 });
    expect(() => buildConfig({ file: { discovery: { enabled: true, driver: "idrac" } } })).toThrow(/discovery\.driver: idrac is not in enabled_drivers/);
    expect(buildConfig({ file: { discovery: { enabled: true } } }).discovery.driver).toBe("ipmi");
  });
  test("non-loopback listen needs a token", () => {
    expect(() => buildConfig({ file: { listen: "0.0.0.0:6385" } })).toThrow(/auth\.token/);
    const c = buildConfig({ file: { listen: "0.0.0.0:6385", auth: { token: "x".repeat(20) } } });
    expect(c.public_url).toBe("http://127.0.0.1:6385");
  });
  test("loopback is decided on the address, not on how the host name starts", () => {
    // a name that merely starts with "127." is not loopback: a token is required
    expect(() => buildConfig({ file: { listen: "127.example.invalid:6385" } })).toThrow(/auth\.token/);
    expect(() => buildConfig({ file: { listen: "127.example.invalid:6385" }, listenAddresses: [] })).toThrow(/auth\.token/);
    expect(() => buildConfig({ file: { listen: "lab.example:6385" }, listenAddresses: ["127.0.0.1", "10.0.0.1"] })).toThrow(/auth\.token/);
    for (const listen of ["127.0.0.1:1", "127.3.2.1:1", "localhost:1", "[::1]:1"]) {
      expect(allowsNoAuth(buildConfig({ file: { listen } })), listen).toBe(true);
    }
    // a name that resolves to loopback addresses only is loopback
    expect(allowsNoAuth(buildConfig({ file: { listen: "lab.example:6385" }, listenAddresses: ["127.0.1.1", "::1"] }))).toBe(true);
    const withToken = buildConfig({ file: { listen: "127.example.invalid:6385", auth: { token: "t".repeat(20) } } });
    expect(allowsNoAuth(withToken)).toBe(false);
  });
  test("only host names are resolved; literals and localhost are decided as written", async () => {
    expect(await resolveListenHost({ flags: { listen: "127.0.0.1:1" } })).toBeUndefined();
    expect(await resolveListenHost({ file: { listen: "[::1]:1" } })).toBeUndefined();
    expect(await resolveListenHost({ file: { listen: "localhost:1" } })).toBeUndefined();
  });
});
