/**
 * @module hardware-managers/example-vendor
 * An example vendor manager for fictional "Acme" servers, written the way a vendor would:
 * one file bundled with `bun build` into a self-contained plugin. It claims the firmware
 * components `acme-bmc` and `acme-bios`, flashes them with the vendor's tool (`acme-flash`)
 * through `ctx.exec`, and adds one clean step, `acme_reset_bmc`.
 *
 * Only the contract is imported (types, `defineHardwareManager`, `HardwareSupport`): the
 * agent loads this file at runtime and shares nothing else with it. The known operations'
 * arguments and results are typed by the contract, so no casts are needed.
 * Its test, `index.test.ts`, shows the contract's test kit.
 */
import { defineHardwareManager, HardwareSupport, type ManagerContext } from "../contract/index.ts";

const TOOL = "acme-flash";
const COMPONENTS = new Set(["acme-bmc", "acme-bios"]);

/** The running version, as the vendor tool reports it; null when the tool can't tell. */
async function queryVersion(ctx: ManagerContext, component: string): Promise<string | null> {
  const r = await ctx.exec(TOOL, ["--query", component], { signal: ctx.signal });
  return r.failed ? null : r.stdout.trim() || null;
}

function ownComponent(ctx: ManagerContext, component: unknown): string {
  // Declining hands the component to the next manager; the generic one may claim it.
  if (typeof component !== "string" || !COMPONENTS.has(component)) ctx.decline(`not an Acme component: ${String(component)}`);
  return component;
}

export default defineHardwareManager({
  name: "acme_hardware_manager",
  version: "1.0",

  /**
   * VENDOR on Acme machines: DMI says so (inventory `system_vendor.manufacturer`), or the
   * vendor tool is in the RAM disk and finds an Acme BMC (lets tests and mixed fleets enable
   * it without faking DMI). Anything else: NONE, and the agent drops this manager.
   */
  async evaluateSupport(ctx) {
    const inventory = await ctx.inventory();
    if (/\bacme\b/i.test(inventory.system_vendor.manufacturer ?? "")) return HardwareSupport.VENDOR;
    return (await queryVersion(ctx, "acme-bmc")) !== null ? HardwareSupport.VENDOR : HardwareSupport.NONE;
  },

  cleanSteps: [
    {
      step: "acme_reset_bmc",
      priority: 0,
      interface: "deploy",
      reboot_requested: false,
      abortable: false,
      argsinfo: null,
    },
  ],

  operations: {
    async claims_firmware_component(ctx, args) {
      const component = ownComponent(ctx, args.component);
      return { current_version: await queryVersion(ctx, component), target: TOOL };
    },

    async flash_firmware_component(ctx, req) {
      const component = ownComponent(ctx, req.component);
      const before = await queryVersion(ctx, component);
      if (req.version && before === req.version) {
        return { status: "skipped", version_before: before, version_after: before, reboot_requested: false, notes: [`already at ${req.version}`] };
      }
      const r = await ctx.exec(TOOL, ["--flash", component, req.path], { signal: ctx.signal });
      if (r.failed) ctx.fail("AcmeFlashFailed", `${TOOL} exited ${r.exitCode}: ${r.stderr.trim()}`, { component });
      const after = await queryVersion(ctx, component);
      if (req.version && after !== req.version) {
        ctx.fail("AcmeFlashFailed", `${component} reports ${after} after flashing, expected ${req.version}`, { component });
      }
      // Acme firmware takes effect after a reset of the whole machine.
      return { status: "flashed", version_before: before, version_after: after, reboot_requested: true, notes: [r.stdout.trim()] };
    },

    async acme_reset_bmc(ctx) {
      const r = await ctx.exec(TOOL, ["--reset-bmc"], { signal: ctx.signal });
      if (r.failed) ctx.fail("AcmeResetFailed", `${TOOL} --reset-bmc exited ${r.exitCode}: ${r.stderr.trim()}`);
      return { reset: true, message: r.stdout.trim() };
    },
  },
});
