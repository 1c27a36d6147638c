import { describe, expect, test } from "bun:test";
import { createSilentLogger } from "../../common/logger.ts";
import { HardwareSupport, defineHardwareManager, type HardwareManager } from "../contract/index.ts";
import { createTestContext } from "../contract/testing.ts";
import { createManagerRegistry } from "./index.ts";

const { base } = createTestContext();

function manager(name: string, support: number, extra: Partial<HardwareManager> = {}): HardwareManager {
  return defineHardwareManager({ name, version: "1.0", evaluateSupport: () => support, ...extra });
}

async function registryOf(...managers: HardwareManager[]) {
  const r = createManagerRegistry({ logger: createSilentLogger() });
  for (const m of managers) r.register(m);
  await r.initialize(base);
  return r;
}

describe("manager registry", () => {
  test("drops NONE, sorts by support, ties keep registration order", async () => {
    const r = await registryOf(
      manager("a", HardwareSupport.GENERIC),
      manager("none", HardwareSupport.NONE),
      manager("b", HardwareSupport.VENDOR),
      manager("c", HardwareSupport.GENERIC),
      manager("throws", 0, { evaluateSupport: () => { throw new Error("boom"); } }),
    );
    expect(r.ranked().map((x) => x.manager.name)).toEqual(["b", "a", "c"]);
    expect(r.versions()).toEqual({ b: "1.0", a: "1.0", c: "1.0" });
  });

  test("dispatch goes to the best manager implementing the operation, skipping ones that decline", async () => {
    const calls: string[] = [];
    const r = await registryOf(
      manager("generic", HardwareSupport.GENERIC, { operations: { op: () => (calls.push("generic"), "g") } }),
      manager("vendor", HardwareSupport.VENDOR, {
        operations: { op: (ctx, args) => (args.mine ? "v" : ctx.decline("not mine")) },
      }),
      manager("noop", HardwareSupport.MAINLINE),
    );
    expect(await r.dispatch("op", base, { mine: true })).toEqual({ result: "v", manager: "vendor" });
    expect(await r.dispatch("op", base, {})).toEqual({ result: "g", manager: "generic" });
    expect(calls).toEqual(["generic"]);
  });

  test("an operation nobody implements is HardwareManagerMethodNotFound (400)", async () => {
    const r = await registryOf(manager("generic", 1));
    const err = await r.dispatch("nothing", base).catch((e) => e);
    expect(err.code).toBe("HardwareManagerMethodNotFound");
    expect(err.status).toBe(400);
  });

  test("errors other than decline propagate, with the plugin's code", async () => {
    const r = await registryOf(
      manager("generic", 1, { operations: { op: () => "fallback" } }),
      manager("vendor", 3, { operations: { op: (ctx) => ctx.fail("VendorBroke", "flash failed", { rc: 3 }) } }),
    );
    const err = await r.dispatch("op", base).catch((e) => e);
    expect(err.code).toBe("VendorBroke");
    expect(err.details).toEqual({ rc: 3 });
  });

  test("dispatchAll collects every implementer; ctx.dispatch reaches other operations", async () => {
    const r = await registryOf(
      manager("generic", 1, { operations: { info: () => ({ a: 1 }), inner: () => 5 } }),
      manager("vendor", 3, { operations: { info: () => ({ b: 2 }), outer: async (ctx) => (await ctx.dispatch("inner")) as number * 2 } }),
    );
    expect(await r.dispatchAll("info", base)).toEqual({ vendor: { b: 2 }, generic: { a: 1 } });
    expect((await r.dispatch("outer", base)).result).toBe(10);
  });

  test("steps are deduplicated: higher support wins, then higher priority", async () => {
    const step = (name: string, priority: number) => ({ step: name, priority, interface: "deploy" });
    const r = await registryOf(
      manager("generic", 1, { cleanSteps: [step("erase_devices", 10), step("only_generic", 0)] }),
      manager("vendor", 3, { cleanSteps: () => [step("erase_devices", 5), step("vendor_step", 1)] }),
    );
    const steps = await r.steps("clean", base, { node: {}, ports: [] });
    expect(steps.vendor!.map((s) => [s.step, s.priority])).toEqual([["erase_devices", 5], ["vendor_step", 1]]);
    expect(steps.generic!.map((s) => s.step)).toEqual(["only_generic"]);
    expect(steps.vendor![0]).toMatchObject({ reboot_requested: false, abortable: false, argsinfo: null });
    expect(await r.steps("deploy", base, { node: {}, ports: [] })).toEqual({ vendor: [], generic: [] });
  });
});
