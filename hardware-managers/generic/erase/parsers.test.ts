/**
 * @module hardware-managers/generic/erase/parsers.test
 * Parsers against real tool output kept in test/fixtures.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parseHdparmSecurity } from "./hdparm-security.ts";
import { parseNvmeIdCtrl } from "../device/nvme-id-ctrl.ts";

const fixture = (p: string) => Bun.file(join(import.meta.dir, "../../../test/fixtures", p)).text();

describe("parseHdparmSecurity", () => {
  test("erasable, enhanced erase supported", async () => {
    expect(parseHdparmSecurity(await fixture("hdparm/erasable-enhanced.txt"))).toMatchObject({
      supported: true, enabled: false, locked: false, frozen: false, expired: false, enhancedEraseSupported: true,
    });
  });
  test("erasable, no enhanced erase", async () => {
    expect(parseHdparmSecurity(await fixture("hdparm/erasable-no-enhanced.txt"))).toMatchObject({
      supported: true, frozen: false, enhancedEraseSupported: false,
    });
  });
  test("frozen", async () => {
    expect(parseHdparmSecurity(await fixture("hdparm/frozen.txt"))).toMatchObject({ supported: true, frozen: true, enabled: false });
  });
  test("password set, not locked", async () => {
    expect(parseHdparmSecurity(await fixture("hdparm/password-set.txt"))).toMatchObject({ enabled: true, locked: false, frozen: false });
  });
  test("password set and locked", async () => {
    expect(parseHdparmSecurity(await fixture("hdparm/password-set-locked.txt"))).toMatchObject({ enabled: true, locked: true });
  });
  test("security unsupported", async () => {
    expect(parseHdparmSecurity(await fixture("hdparm/security-unsupported.txt"))?.supported).toBe(false);
  });
  test("no Security section (loop, virtio): null", () => {
    expect(parseHdparmSecurity("\n/dev/loop0:\n")).toBeNull();
  });
  test("time estimate kept for the report", async () => {
    expect(parseHdparmSecurity(await fixture("hdparm/frozen.txt"))?.estimate).toContain("SECURITY ERASE UNIT");
  });
});

describe("parseNvmeIdCtrl", () => {
  test("crypto erase supported", async () => {
    expect(parseNvmeIdCtrl(await fixture("nvme/id-ctrl-crypto-erase.json"))).toMatchObject({
      formatSupported: true, cryptoEraseSupported: true, serial: "1951B3444502", firmware: "11170101",
      firmwareSlots: 2, slot1ReadOnly: false, activateWithoutReset: true,
    });
  });
  test("user-data erase only", async () => {
    expect(parseNvmeIdCtrl(await fixture("nvme/id-ctrl-userdata-erase.json"))).toMatchObject({
      formatSupported: true, cryptoEraseSupported: false,
    });
  });
  test("format unsupported", async () => {
    expect(parseNvmeIdCtrl(await fixture("nvme/id-ctrl-format-unsupported.json"))?.formatSupported).toBe(false);
  });
  test("not JSON: null", () => {
    expect(parseNvmeIdCtrl("NVMe status: INVALID_NS")).toBeNull();
  });
});
