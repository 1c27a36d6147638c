import { describe, expect, test } from "bun:test";
import { planReset } from "./reset-plan.ts";

const ALL = ["On", "ForceOff", "GracefulShutdown", "GracefulRestart", "ForceRestart", "Nmi", "ForceOn", "PushPowerButton"];
const steps = (p: ReturnType<typeof planReset>) => (p.kind === "steps" ? p.steps.map((s) => `${s.resetType}->${s.waitFor}`) : p.kind);

describe("reset plan", () => {
  test("Ironic's mapping when everything is allowed", () => {
    expect(steps(planReset("power on", "power off", ALL))).toEqual(["On->power on"]);
    expect(steps(planReset("power off", "power on", ALL))).toEqual(["ForceOff->power off"]);
    expect(steps(planReset("soft power off", "power on", ALL))).toEqual(["GracefulShutdown->power off"]);
    expect(steps(planReset("rebooting", "power on", ALL))).toEqual(["ForceRestart->power on"]);
    expect(steps(planReset("soft rebooting", "power on", ALL))).toEqual(["GracefulRestart->power on"]);
  });

  test("a BMC that lists no allowed values is assumed to allow all (sushy)", () => {
    expect(steps(planReset("power on", "power off", null))).toEqual(["On->power on"]);
  });

  test("the state already reached needs no reset", () => {
    expect(planReset("power on", "power on", ALL).kind).toBe("nothing");
    expect(planReset("power off", "power off", ALL).kind).toBe("nothing");
    expect(planReset("soft power off", "power off", ALL).kind).toBe("nothing");
  });

  test("a reboot of a node that is off powers it on", () => {
    expect(steps(planReset("rebooting", "power off", ALL))).toEqual(["On->power on"]);
    expect(steps(planReset("soft rebooting", "power off", ALL))).toEqual(["On->power on"]);
  });

  test("falls back to the nearest allowed value", () => {
    expect(steps(planReset("power on", "power off", ["ForceOn", "ForceOff"]))).toEqual(["ForceOn->power on"]);
    expect(steps(planReset("power on", "power off", ["PushPowerButton"]))).toEqual(["PushPowerButton->power on"]);
    expect(steps(planReset("rebooting", "power on", ["On", "ForceOff", "PowerCycle"]))).toEqual(["PowerCycle->power on"]);
    expect(steps(planReset("soft power off", "power on", ["On", "PushPowerButton"]))).toEqual(["PushPowerButton->power off"]);
  });

  test("a restart the BMC cannot do in one step is an off then an on", () => {
    expect(steps(planReset("rebooting", "power on", ["On", "ForceOff"]))).toEqual(["ForceOff->power off", "On->power on"]);
    expect(steps(planReset("soft rebooting", "power on", ["ForceOn", "GracefulShutdown"]))).toEqual(["GracefulShutdown->power off", "ForceOn->power on"]);
  });

  test("nothing allowed is unsupported, naming what was wanted and what is allowed", () => {
    const p = planReset("power off", "power on", ["On", "Nmi"]);
    expect(p.kind).toBe("unsupported");
    expect(p.kind === "unsupported" && p.what).toBe('"power off": none of the ResetTypes ForceOff is allowed (the system allows On, Nmi)');
    expect(planReset("soft power off", "power on", ["On", "ForceOff"]).kind).toBe("unsupported");
    expect(planReset("power on", "power off", []).kind).toBe("unsupported");
  });
});
