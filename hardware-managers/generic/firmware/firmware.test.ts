/**
 * @module hardware-managers/generic/firmware/firmware.test
 * Checksums, request parsing, and the generic NVMe / UEFI flashers against a scripted exec
 * and a fake sysfs (no NVMe drive or fwupd on the test host).
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createMemoryHostFs } from "../../../machine/testing/memory-host-fs.ts";
import { createTestContext, declines, testInventory } from "../../contract/testing.ts";
import { parseChecksum } from "./checksum.ts";
import { claimNvme, flashNvme } from "./nvme-firmware.ts";
import { parseFirmwareRequest } from "./request.ts";
import { flashSystemFirmware } from "./uefi-capsule.ts";

const idCtrl = Bun.file(join(import.meta.dir, "../../../test/fixtures/nvme/id-ctrl-crypto-erase.json")).text();
const res = (stdout: string, failed = false) => ({ stdout, stderr: failed ? "not found" : "", failed });

function context(answer: (cmd: string) => ReturnType<typeof res>) {
  const firmware = { ...testInventory().system_vendor.firmware, version: "1.2" };
  const { ctx, calls } = createTestContext({ answer, inventory: { system_vendor: { ...testInventory().system_vendor, firmware } } });
  return { ctx, calls };
}
const sysfs = (firmware: string) =>
  createMemoryHostFs({ "/sys/class/nvme/nvme0/serial": "1951B3444502   \n", "/sys/class/nvme/nvme0/firmware_rev": `${firmware}\n` });

describe("parseChecksum", () => {
  const hex = (n: number) => "a".repeat(n);
  test("by length and by prefix", () => {
    expect(parseChecksum(hex(64), { md5Allowed: false })).toMatchObject({ ok: true, algorithm: "sha256" });
    expect(parseChecksum(`SHA512:${hex(128)}`, { md5Allowed: false })).toMatchObject({ ok: true, algorithm: "sha512" });
    expect(parseChecksum(hex(32), { md5Allowed: true })).toMatchObject({ ok: true, algorithm: "md5" });
  });
  test("refusals", () => {
    expect(parseChecksum(hex(32), { md5Allowed: false }).ok).toBe(false);
    expect(parseChecksum(`sha256:${hex(128)}`, { md5Allowed: false }).ok).toBe(false);
    expect(parseChecksum("zz", { md5Allowed: false }).ok).toBe(false);
    expect(parseChecksum(undefined, { md5Allowed: false }).ok).toBe(false);
  });
});

describe("parseFirmwareRequest", () => {
  const img = { component: "bios", url: "http://h/f.cap", checksum: "a".repeat(64) };
  test("firmware_images or settings", () => {
    expect(parseFirmwareRequest({ firmware_images: [img] })).toMatchObject({ ok: true, images: [img] });
    expect(parseFirmwareRequest({ settings: [img] }).ok).toBe(true);
  });
  test("missing fields, bad url, duplicates", () => {
    expect(parseFirmwareRequest({ firmware_images: [{ ...img, url: "file:///etc/passwd" }] }).ok).toBe(false);
    expect(parseFirmwareRequest({ firmware_images: [{ url: img.url, checksum: img.checksum }] }).ok).toBe(false);
    expect(parseFirmwareRequest({ firmware_images: [img, img] }).ok).toBe(false);
  });
});

describe("generic NVMe firmware", () => {
  test("claims its serial, declines others", async () => {
    const { ctx } = context(() => res(""));
    expect(await claimNvme(ctx, sysfs("11170101"), "nvme:1951B3444502")).toEqual({ current_version: "11170101", target: "/dev/nvme0" });
    expect(await declines(claimNvme(ctx, sysfs("11170101"), "nvme:OTHER"))).toBe(true);
  });
  test("fw-download + fw-commit, action 3 when activation without reset is supported", async () => {
    const text = await idCtrl;
    const { ctx, calls } = context((c) => res(c.includes("id-ctrl") ? text : ""));
    const r = await flashNvme(ctx, sysfs("11170101"), { component: "nvme:1951B3444502", url: "", checksum: "", path: "/tmp/fw.bin", version: "11170200" });
    expect(calls).toEqual(["nvme id-ctrl /dev/nvme0 -o json", "nvme fw-download /dev/nvme0 --fw=/tmp/fw.bin", "nvme fw-commit /dev/nvme0 --slot=0 --action=3"]);
    expect(r).toMatchObject({ status: "flashed", reboot_requested: false });
  });
  test("requested action 1 needs a reboot; same version is skipped", async () => {
    const text = await idCtrl;
    const { ctx } = context((c) => res(c.includes("id-ctrl") ? text : ""));
    const req = { component: "nvme:1951B3444502", url: "", checksum: "", path: "/tmp/fw.bin", action: 1, slot: 2 };
    expect(await flashNvme(ctx, sysfs("1"), { ...req, version: "2" })).toMatchObject({ reboot_requested: true });
    expect(await flashNvme(ctx, sysfs("2"), { ...req, version: "2" })).toMatchObject({ status: "skipped" });
    await expect(flashNvme(ctx, sysfs("1"), { ...req, slot: 5 })).rejects.toMatchObject({ code: "NvmeFirmwareError" });
  });
});

describe("UEFI capsule via fwupdtool", () => {
  test("declines when fwupdtool is absent", async () => {
    const { ctx } = context((c) => res("", c.startsWith("fwupdtool")));
    expect(await declines(flashSystemFirmware(ctx, { component: "bios", url: "http://h/x.cap", checksum: "", path: "/tmp/x" }))).toBe(true);
  });
  test("install-blob on the uefi_capsule device; reboot requested", async () => {
    const devices = JSON.stringify({ Devices: [{ Plugin: "nvme", DeviceId: "n" }, { Plugin: "uefi_capsule", DeviceId: "abc123" }] });
    const { ctx, calls } = context((c) => res(c.includes("get-devices") ? devices : ""));
    const r = await flashSystemFirmware(ctx, { component: "uefi", url: "http://h/x.cap", checksum: "", path: "/tmp/x", version: "2.0" });
    expect(calls).toContain("fwupdtool install-blob /tmp/x abc123 --no-reboot-check");
    expect(r).toMatchObject({ status: "flashed", version_before: "1.2", reboot_requested: true });
  });
  test(".cab files go through fwupdtool install", async () => {
    const { ctx, calls } = context(() => res(""));
    await flashSystemFirmware(ctx, { component: "bios", url: "http://h/fw.cab", checksum: "", path: "/tmp/x" });
    expect(calls).toContain("fwupdtool install /tmp/x --no-reboot-check");
  });
});
