/**
 * @module conductor/drivers/ipmi/parse-output.test
 * ipmitool's answers as captured from ipmitool 1.8.19 against ipmi_sim (test/fixtures/ipmitool).
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parseBootParam, parsePowerStatus } from "./parse-output.ts";

const fixture = (name: string) => Bun.file(join(import.meta.dir, "../../../test/fixtures/ipmitool", name)).text();

describe("parsePowerStatus", () => {
  test("reads on and off", async () => {
    expect(parsePowerStatus(await fixture("power-status-on.stdout"))).toBe("power on");
    expect(parsePowerStatus(await fixture("power-status-off.stdout"))).toBe("power off");
  });
  test("anything else is unknown, not a guess", () => {
    expect(parsePowerStatus("")).toBeNull();
    expect(parsePowerStatus("Chassis Power Control: Up/On\n")).toBeNull();
  });
});

describe("parseBootParam", () => {
  test.each([
    ["bootparam-pxe-once.stdout", "pxe"],
    ["bootparam-disk-once.stdout", "disk"],
    ["bootparam-cdrom-once.stdout", "cdrom"],
    ["bootparam-bios-once.stdout", "bios"],
  ])("%s: device %s, next boot only, legacy", async (file, device) => {
    expect(parseBootParam(await fixture(file))).toEqual({ boot_device: device as never, persistent: false, uefi: false });
  });
  test("no override is no device", async () => {
    expect(parseBootParam(await fixture("bootparam-none.stdout")).boot_device).toBeNull();
  });
  test("persistent and EFI flags", async () => {
    expect(parseBootParam(await fixture("bootparam-pxe-persistent-efi.stdout"))).toEqual({ boot_device: "pxe", persistent: true, uefi: true });
  });
  test("safe mode is the hard drive with Safe-Mode (Ironic's mapping)", () => {
    const out = " Boot Flags :\n   - Boot Device Selector : Force Boot from default Hard-Drive, request Safe-Mode\n";
    expect(parseBootParam(out).boot_device).toBe("safe");
  });
  test("no boot flags at all: persistence unknown", () => {
    expect(parseBootParam("")).toEqual({ boot_device: null, persistent: null, uefi: null });
  });
});
