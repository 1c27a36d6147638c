/**
 * @module hardware-managers/example-vendor/index.test
 * The example vendor manager tested the way a vendor would test theirs: `createTestContext`
 * from the contract's test kit, a scripted `acme-flash`, and the real registry, so ranking,
 * declining and failures behave as in the agent.
 */
import { describe, expect, test } from "bun:test";
import { createTestContext, declines, testInventory } from "../contract/testing.ts";
import acme from "./index.ts";

/** A scripted `acme-flash`: versions by component, and what `--flash` does. */
function acmeTool(versions: Record<string, string>, flash: (component: string) => { failed?: boolean; stderr?: string } = () => ({})) {
  return (cmd: string, file: string, args: readonly string[]) => {
    if (file !== "acme-flash") return { failed: true, stderr: `${file}: not found` };
    if (args[0] === "--query") return versions[args[1]!] ? `${versions[args[1]!]}\n` : { failed: true, exitCode: 3 };
    if (args[0] === "--flash") {
      const r = flash(args[1]!);
      if (!r.failed) versions[args[1]!] = "2.0.0";
      return { ...r, stdout: "flashed" };
    }
    return "acme-flash: BMC reset\n";
  };
}
const onAcme = { system_vendor: { ...testInventory().system_vendor, manufacturer: "Acme Corp" } };

describe("acme_hardware_manager", () => {
  test("VENDOR on Acme machines, dropped elsewhere", async () => {
    const acmeBox = createTestContext({ managers: [acme], inventory: onAcme, answer: () => ({ failed: true }) });
    expect((await acmeBox.steps("clean")).map((s) => s.step)).toEqual(["acme_reset_bmc"]);
    const other = createTestContext({ managers: [acme], answer: () => ({ failed: true }) });
    await other.registry.initialize(other.base);
    expect(other.registry.ranked()).toEqual([]);
  });

  test("claims its components with the running version, declines the rest", async () => {
    const t = createTestContext({ managers: [acme], inventory: onAcme, answer: acmeTool({ "acme-bmc": "1.0.0" }) });
    const { result, manager } = await t.dispatch("claims_firmware_component", { component: "acme-bmc", url: "http://fw/x", checksum: "ab" });
    expect({ result, manager }).toEqual({ result: { current_version: "1.0.0", target: "acme-flash" }, manager: "acme_hardware_manager" });
    expect(await declines(acme.operations!.claims_firmware_component!(t.ctx, { component: "bios", url: "", checksum: "" }))).toBe(true);
  });

  test("flashes through the tool and asks for a reboot; the same version is skipped without flashing", async () => {
    const t = createTestContext({ managers: [acme], inventory: onAcme, answer: acmeTool({ "acme-bmc": "1.0.0" }) });
    const req = { component: "acme-bmc", url: "http://fw/x", checksum: "ab", version: "2.0.0", path: "/tmp/fw.bin" };
    expect((await t.dispatch("flash_firmware_component", req)).result).toMatchObject({ status: "flashed", version_before: "1.0.0", version_after: "2.0.0", reboot_requested: true });
    expect(t.calls).toContain("acme-flash --flash acme-bmc /tmp/fw.bin");
    expect((await t.dispatch("flash_firmware_component", req)).result).toMatchObject({ status: "skipped", reboot_requested: false });
    expect(t.calls.filter((c) => c.startsWith("acme-flash --flash"))).toHaveLength(1);
  });

  test("a failing tool fails the operation with AcmeFlashFailed", async () => {
    const t = createTestContext({ managers: [acme], inventory: onAcme, answer: acmeTool({ "acme-bios": "1.0.0" }, () => ({ failed: true, stderr: "bad image" })) });
    const req = { component: "acme-bios", url: "http://fw/x", checksum: "ab", version: "2.0.0", path: "/tmp/fw.bin" };
    await expect(t.dispatch("flash_firmware_component", req)).rejects.toMatchObject({ code: "AcmeFlashFailed", message: expect.stringContaining("bad image") });
  });
});
