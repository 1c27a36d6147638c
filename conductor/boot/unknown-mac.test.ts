import { describe, expect, test } from "bun:test";
import { bootSchema } from "../config/boot-schema.ts";
import { unknownMacBoots, unknownMacWarning } from "./unknown-mac.ts";

const config = (unknown_mac: string | undefined, enabled: boolean) => ({ boot: bootSchema.parse(unknown_mac ? { unknown_mac } : {}), discovery: { enabled } });

describe("unknown-MAC boot", () => {
  test("auto (the default) follows discovery, as Ironic's PXE filter follows [auto_discovery] enabled", () => {
    expect(bootSchema.parse({}).unknown_mac).toBe("auto");
    expect(unknownMacBoots(config(undefined, false))).toBe(false);
    expect(unknownMacBoots(config(undefined, true))).toBe(true);
  });

  test("ramdisk and none are explicit, whatever discovery says", () => {
    for (const enabled of [false, true]) {
      expect(unknownMacBoots(config("ramdisk", enabled))).toBe(true);
      expect(unknownMacBoots(config("none", enabled))).toBe(false);
    }
    expect(bootSchema.safeParse({ unknown_mac: "yes" }).success).toBe(false);
  });

  test("discovery with unknown MACs refused is warned about, nothing else", () => {
    expect(unknownMacWarning(config("none", true) as any)).toMatch(/boot.unknown_mac none.*only servers booted some other way/);
    for (const [choice, enabled] of [["none", false], ["auto", true], ["ramdisk", false], ["auto", false]] as const) expect(unknownMacWarning(config(choice, enabled) as any)).toBeNull();
  });
});
