import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHostsDir } from "./hosts-dir.ts";

describe("dnsmasq hosts directory", () => {
  test("holds one entry per MAC; says what was added and removed; a second sync changes nothing", () => {
    const root = mkdtempSync(join(tmpdir(), "nb-hosts-"));
    try {
      const dir = join(root, "dhcp-hosts");
      const hosts = createHostsDir(dir);
      expect(hosts.sync(["52:54:00:00:00:01", "52:54:00:00:00:02"])).toEqual({ added: ["52:54:00:00:00:01", "52:54:00:00:00:02"], removed: [] });
      expect(readFileSync(join(dir, "52-54-00-00-00-01"), "utf8")).toBe("52:54:00:00:00:01,set:teeth\n");
      expect(hosts.sync(["52:54:00:00:00:01", "52:54:00:00:00:02"])).toEqual({ added: [], removed: [] });
      writeFileSync(join(dir, "stray"), "x");
      writeFileSync(join(dir, "52-54-00-00-00-01"), "52:54:00:00:00:01,ignore\n"); // edited by hand
      expect(hosts.sync(["52:54:00:00:00:01"])).toEqual({ added: ["52:54:00:00:00:01"], removed: ["52:54:00:00:00:02"] });
      expect(readdirSync(dir)).toEqual(["52-54-00-00-00-01"]);
      expect(hosts.list()).toEqual(["52:54:00:00:00:01"]);
      expect(readdirSync(root).sort()).toEqual(["dhcp-hosts"]); // nothing left staged
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
