/**
 * @module test/firmware/flash-firmware.test
 * flash_firmware end to end: the example vendor manager, bundled with `bun build` exactly as
 * `make plugins` does and loaded from the .js, flashes through its (fake) vendor tool an image
 * served over HTTP by a local server.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createExec, type Exec } from "../../common/exec.ts";
import type { FirmwareImage, HardwareManager } from "../../hardware-managers/contract/index.ts";
import { realHostFs } from "../../machine/host-fs.ts";
import { createFirmwareOperations, type FirmwareReport } from "../../hardware-managers/generic/firmware-ops.ts";
import { defineHardwareManager, HardwareSupport } from "../../hardware-managers/contract/index.ts";
import { createTestContext, testInventory } from "../../hardware-managers/contract/testing.ts";

const root = resolve(import.meta.dir, "../..");
const work = mkdtempSync(join(tmpdir(), "teeth-fw-test-"));
const stateFile = join(work, "acme-state");
const tools = join(root, "hardware-managers/example-vendor/tools");

/** The real exec, with the vendor tool on PATH and its state file pointed into the temp dir. */
const real = createExec();
const vendorExec: Exec = (file, args, opts = {}) =>
  real(file, args, { ...opts, env: { ...opts.env, PATH: `${tools}:${process.env.PATH}`, ACME_FLASH_STATE: stateFile } });

const images: Record<string, Uint8Array> = {
  "bmc-2.0.0.bin": new TextEncoder().encode("ACMEFW1 acme-bmc 2.0.0\n" + "x".repeat(100_000)),
  "bios-3.1.bin": new TextEncoder().encode("ACMEFW1 acme-bios 3.1\n" + "y".repeat(50_000)),
  "garbage.bin": new TextEncoder().encode("not an acme image\n"),
};
const sha256 = (b: Uint8Array) => new Bun.CryptoHasher("sha256").update(b).digest("hex");
const sha512 = (b: Uint8Array) => new Bun.CryptoHasher("sha512").update(b).digest("hex");
let requests: string[] = [];
let server: ReturnType<typeof Bun.serve>;
let vendor: HardwareManager;
const url = (name: string) => `http://127.0.0.1:${server.port}/${name}`;
const state = () => Object.fromEntries(readFileSync(stateFile, "utf8").trim().split("\n").map((l) => l.split("=")));

beforeAll(async () => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const name = new URL(req.url).pathname.slice(1);
      requests.push(name);
      return images[name] ? new Response(images[name]) : new Response("no", { status: 404 });
    },
  });
  const outfile = join(work, "example-vendor.js");
  const build = Bun.spawnSync([process.execPath, "build", join(root, "hardware-managers/example-vendor/index.ts"), "--target=bun", "--format=esm", "--outfile", outfile], { stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(build.stderr.toString());
  // Self-contained: the bundle imports nothing at runtime.
  expect(readFileSync(outfile, "utf8")).not.toMatch(/^import /m);
  vendor = (await import(outfile)).default as HardwareManager;
});
afterAll(() => {
  server.stop(true);
  rmSync(work, { recursive: true, force: true });
});
beforeEach(() => {
  rmSync(stateFile, { force: true });
  requests = [];
});

const generic = defineHardwareManager({
  name: "test_manager",
  version: "1",
  evaluateSupport: () => HardwareSupport.GENERIC,
  operations: createFirmwareOperations({ fs: realHostFs }),
});
const acmeHarness = async (manufacturer: string | null = "Acme Corp") =>
  createTestContext({
    managers: [generic, vendor],
    exec: vendorExec,
    files: "real",
    inventory: { system_vendor: { ...testInventory().system_vendor, manufacturer } },
  });
const flash = async (firmware_images: FirmwareImage[], extra: Record<string, unknown> = {}): Promise<FirmwareReport> =>
  (await (await acmeHarness()).dispatch("flash_firmware", { firmware_images, ...extra })).result;
const bmc = (over: Record<string, unknown> = {}) => ({ component: "acme-bmc", url: url("bmc-2.0.0.bin"), checksum: sha256(images["bmc-2.0.0.bin"]!), version: "2.0.0", ...over });

describe("flash_firmware with the example vendor manager", () => {
  test("flashes, reports versions and reboot_requested", async () => {
    const report = await flash([bmc(), { component: "acme-bios", url: url("bios-3.1.bin"), checksum: `sha512:${sha512(images["bios-3.1.bin"]!)}` }]);
    expect(report.reboot_requested).toBe(true);
    expect(report.components[0]).toMatchObject({ component: "acme-bmc", status: "flashed", version_before: "1.0.0", version_after: "2.0.0", reboot_requested: true });
    expect(report.components[0]!.download?.digest).toBe(`sha256:${sha256(images["bmc-2.0.0.bin"]!)}`);
    expect(report.components[1]).toMatchObject({ component: "acme-bios", status: "flashed", version_after: "3.1" });
    expect(state()).toMatchObject({ "acme-bmc": "2.0.0", "acme-bios": "3.1", flashes: "2" });
  });

  test("same version: skipped without downloading, no reboot", async () => {
    await flash([bmc()]);
    requests = [];
    const report = await flash([bmc()]);
    expect(report.components[0]).toMatchObject({ status: "skipped", version_before: "2.0.0", reboot_requested: false });
    expect(report.reboot_requested).toBe(false);
    expect(requests).toEqual([]);
    expect(state().flashes).toBe("1");
  });

  test("checksum mismatch: refused, nothing flashed (not even the good image before it)", async () => {
    const wrong = sha256(new TextEncoder().encode("something else"));
    const h = await acmeHarness();
    const call = h.dispatch("flash_firmware", { firmware_images: [bmc(), { component: "acme-bios", url: url("bios-3.1.bin"), checksum: wrong }] });
    await expect(call).rejects.toMatchObject({ code: "FirmwareChecksumMismatch", message: expect.stringContaining("nothing was flashed") });
    expect(state()).toMatchObject({ "acme-bmc": "1.0.0", "acme-bios": "1.0.0" });
  });

  test("unclaimed component: fails before any download or flash", async () => {
    const h = await acmeHarness();
    const call = h.dispatch("flash_firmware", { firmware_images: [bmc(), { component: "nic:52:54:00:12:34:56", url: url("bios-3.1.bin"), checksum: sha256(images["bios-3.1.bin"]!) }] });
    await expect(call).rejects.toMatchObject({ code: "FirmwareComponentUnclaimed", details: { unclaimed: ["nic:52:54:00:12:34:56"] } });
    expect(requests).toEqual([]);
    expect(state()["acme-bmc"]).toBe("1.0.0");
  });

  test("the vendor tool rejecting the image fails the step with its message", async () => {
    const h = await acmeHarness();
    const call = h.dispatch("update_firmware", { firmware_images: [bmc({ url: url("garbage.bin"), checksum: sha256(images["garbage.bin"]!) })] });
    await expect(call).rejects.toMatchObject({ code: "FirmwareUpdateError", message: expect.stringContaining("not an Acme image") });
  });

  test("size cap, HTTP errors and md5 are refused", async () => {
    const h = await acmeHarness();
    await expect(h.dispatch("flash_firmware", { firmware_images: [bmc()], max_image_bytes: 1000 })).rejects.toMatchObject({ code: "FirmwareImageTooLarge" });
    await expect(h.dispatch("flash_firmware", { firmware_images: [bmc({ url: url("missing.bin") })] })).rejects.toMatchObject({ code: "FirmwareDownloadFailed" });
    const md5 = new Bun.CryptoHasher("md5").update(images["bmc-2.0.0.bin"]!).digest("hex");
    await expect(h.dispatch("flash_firmware", { firmware_images: [bmc({ checksum: md5 })] })).rejects.toMatchObject({ code: "InvalidFirmwareRequest", message: expect.stringContaining("md5") });
    await expect(h.dispatch("flash_firmware", { firmware_images: [] })).rejects.toMatchObject({ code: "InvalidFirmwareRequest" });
  });
});

describe("the vendor manager as a plugin", () => {
  test("VENDOR support from DMI or from its tool; NONE otherwise", async () => {
    expect(await vendor.evaluateSupport({ inventory: async () => ({ system_vendor: { manufacturer: "Acme" } }), exec: real } as never)).toBe(3);
    expect(await vendor.evaluateSupport({ inventory: async () => ({ system_vendor: { manufacturer: "QEMU" } }), exec: vendorExec, signal: new AbortController().signal } as never)).toBe(3);
    expect(await vendor.evaluateSupport({ inventory: async () => ({ system_vendor: { manufacturer: "QEMU" } }), exec: real, signal: new AbortController().signal } as never)).toBe(0);
  });

  test("its clean step acme_reset_bmc is advertised and runs the vendor tool", async () => {
    const h = await acmeHarness();
    expect(await h.steps("clean")).toContainEqual(expect.objectContaining({ step: "acme_reset_bmc", interface: "deploy", priority: 0 }));
    const { result, manager } = await h.dispatch("acme_reset_bmc");
    expect(manager).toBe("acme_hardware_manager");
    expect(result).toMatchObject({ reset: true });
    expect(state()["bmc-resets"]).toBe("1");
  });
});
