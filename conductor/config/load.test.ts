import { describe, expect, test } from "bun:test";
import { buildConfig } from "./load.ts";

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
    expect(() => buildConfig({ file: { agent: { bogus: 1 } } })).toThrow(/agent\.bogus: unknown key/);
    expect(() => buildConfig({ file: { listen: "nope" } })).toThrow(/listen/);
  });
  test("non-loopback listen needs a token", () => {
    expect(() => buildConfig({ file: { listen: "0.0.0.0:6385" } })).toThrow(/auth\.token/);
    const c = buildConfig({ file: { listen: "0.0.0.0:6385", auth: { token: "x".repeat(20) } } });
    expect(c.public_url).toBe("http://127.0.0.1:6385");
  });
});
