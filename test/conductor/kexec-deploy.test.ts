/**
 * The end of a deploy with `deploy_reboot_method: kexec` against the stand-in agent and
 * fake-hardware: the agent's `standby.kexec_boot` replaces the power off + power on; when the
 * agent refuses, or answers but does not go away, the conductor reboots through the "BMC"
 * instead, says why in the node's history, and the deploy still ends `active`. A bad value is
 * a 400 when the deploy is requested, and `validate` says so for the deploy interface.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FakeHardware } from "../../conductor/drivers/fake/index.ts";
import { startStandInAgent, type StandInAgent, type StandInOptions } from "./helpers/stand-in-agent.ts";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";

let tc: TestConductor;
let fake: FakeHardware;
const agents: StandInAgent[] = [];

beforeAll(async () => {
  tc = await startTestConductor({ agent: { poll_interval_s: 0.1, heartbeat_timeout_s: 10, kexec_confirm_s: 1 }, cleaning: { automated_clean: false } });
  fake = tc.conductor.drivers.get("fake-hardware") as FakeHardware;
  mkdirSync(join(tc.dataDir, "images"), { recursive: true });
  writeFileSync(join(tc.dataDir, "images", "disk.raw"), Buffer.alloc(4096, 5));
});
afterAll(async () => {
  for (const a of agents) a.stop();
  await tc.stop();
});

/** An available node with a stand-in agent, deployed with `patch` added; returns the node, its actions since the deploy, its history and the agent. */
async function deploy(name: string, mac: string, patch: Array<{ path: string; value: unknown }>, kexec: StandInOptions["kexec"]) {
  const uuid = await tc.enroll(name, mac);
  expect((await tc.api("PUT", `/v1/nodes/${name}/states/provision`, { target: "provide" })).status).toBe(202);
  await tc.waitFor(name, (x) => x.provision_state === "available");
  const agent = await startStandInAgent({ apiUrl: tc.url, macs: [mac], kexec });
  agents.push(agent);
  const ops = [{ path: "/instance_info/image_source", value: "disk.raw" }, ...patch].map((p) => ({ op: "add", ...p }));
  expect((await tc.api("PATCH", `/v1/nodes/${name}`, ops)).status).toBe(200);
  const before = fake.actions.length;
  expect((await tc.api("PUT", `/v1/nodes/${name}/states/provision`, { target: "active" })).status).toBe(202);
  const node = await tc.waitFor(name, (x) => x.provision_state === "active" && !x.target_provision_state, 20_000);
  const actions = fake.actions.slice(before).filter((a) => a.node === uuid).map((a) => `${a.kind}:${a.value}`);
  const history = (await tc.api("GET", `/v1/nodes/${name}/history?detail=true`)).json.history as Array<{ event: string; severity: string; event_type: string }>;
  return { node, actions, history, agent };
}

const afterWrite = (actions: string[]) => actions.slice(actions.indexOf("instance:boot from disk"));

describe("deploy_reboot_method", () => {
  test("kexec: the agent boots the OS, no power action after the write, the node is active and on", async () => {
    const r = await deploy("kx1", "52:54:00:4b:00:01", [{ path: "/instance_info/deploy_reboot_method", value: "kexec" }], "boot");
    expect(afterWrite(r.actions)).toEqual(["instance:boot from disk", "boot:disk", "ramdisk:cleaned up"]);
    expect(r.node.power_state).toBe("power on");
    expect(r.node.last_error).toBeNull();
    expect(r.node.driver_internal_info.deploy_kexec_booted).toBeUndefined();
    expect(r.agent.commands.find((c) => c.name === "standby.kexec_boot")?.params).toEqual({ image_type: "whole-disk" });
    expect(r.agent.commands.some((c) => c.name === "standby.power_off")).toBe(false);
    expect(r.history.find((h) => h.event.startsWith("booted the deployed OS with kexec"))).toMatchObject({ severity: "INFO", event_type: "deploy" });
  }, 30_000);

  test("kexec refused by the agent (driver_info): rebooted through the BMC, the reason in the history, still active", async () => {
    const refusal = { type: "KexecNoKernel", details: "kexec refused: no kernel found in the deployed image (/boot/grub/grub.cfg on /dev/vda3: kernel /boot/vmlinuz-gone not found)" };
    const r = await deploy("kx2", "52:54:00:4b:00:02", [{ path: "/driver_info/deploy_reboot_method", value: "kexec" }], { fail: refusal });
    expect(afterWrite(r.actions)).toEqual(["instance:boot from disk", "boot:disk", "power:power off", "power:power on", "ramdisk:cleaned up"]);
    expect(r.node.power_state).toBe("power on");
    const h = r.history.find((x) => x.event.startsWith("kexec into the deployed OS not used"));
    expect(h).toMatchObject({ severity: "ERROR", event_type: "deploy" });
    expect(h!.event).toContain(`KexecNoKernel: ${refusal.details}`);
  }, 30_000);

  test("kexec answered but the agent is still there (kexec -e did not happen): firmware reboot, recorded", async () => {
    const r = await deploy("kx3", "52:54:00:4b:00:03", [{ path: "/instance_info/deploy_reboot_method", value: "kexec" }, { path: "/driver_info/deploy_reboot_method", value: "power" }], "stay");
    expect(afterWrite(r.actions)).toEqual(["instance:boot from disk", "boot:disk", "power:power off", "power:power on", "ramdisk:cleaned up"]);
    expect(r.history.some((x) => x.event.includes("the agent still answers 1 s after standby.kexec_boot"))).toBe(true);
  }, 30_000);

  test("kexec's answer lost (the agent vanished without answering): firmware reboot, recorded, still active", async () => {
    const r = await deploy("kx7", "52:54:00:4b:00:07", [{ path: "/instance_info/deploy_reboot_method", value: "kexec" }], "vanish");
    expect(afterWrite(r.actions)).toEqual(["instance:boot from disk", "boot:disk", "power:power off", "power:power on", "ramdisk:cleaned up"]);
    expect(r.node.power_state).toBe("power on");
    expect(r.history.some((x) => x.event.includes("the agent's standby.kexec_boot did not answer"))).toBe(true);
  }, 60_000);

  test("power (instance_info wins over driver_info's kexec) and the default: no kexec_boot is sent", async () => {
    const r = await deploy("kx4", "52:54:00:4b:00:04", [{ path: "/instance_info/deploy_reboot_method", value: "power" }, { path: "/driver_info/deploy_reboot_method", value: "kexec" }], "boot");
    expect(r.agent.commands.some((c) => c.name === "standby.kexec_boot")).toBe(false);
    expect(afterWrite(r.actions)).toContain("power:power on");
    const d = await deploy("kx5", "52:54:00:4b:00:05", [], "boot");
    expect(d.agent.commands.some((c) => c.name === "standby.kexec_boot")).toBe(false);
  }, 60_000);

  test("a bad value is refused with 400 when the deploy is requested, and validate reports it", async () => {
    await tc.enroll("kx6", "52:54:00:4b:00:06");
    await tc.api("PUT", "/v1/nodes/kx6/states/provision", { target: "provide" });
    await tc.waitFor("kx6", (x) => x.provision_state === "available");
    await tc.api("PATCH", "/v1/nodes/kx6", [{ op: "add", path: "/instance_info/image_source", value: "disk.raw" }, { op: "add", path: "/driver_info/deploy_reboot_method", value: "warp" }]);
    const bad = await tc.api("PUT", "/v1/nodes/kx6/states/provision", { target: "active" });
    expect(bad.status).toBe(400);
    const reason = "Invalid value for driver_info/deploy_reboot_method: 'warp'. Supported values are: power, kexec.";
    expect(JSON.parse(bad.json.error_message)).toMatchObject({ faultcode: "Client", faultstring: reason });
    expect((await tc.api("GET", "/v1/nodes/kx6/validate")).json.deploy).toEqual({ result: false, reason });
    expect((await tc.api("GET", "/v1/nodes/kx6")).json.provision_state).toBe("available");
    await tc.api("PATCH", "/v1/nodes/kx6", [{ op: "add", path: "/instance_info/deploy_reboot_method", value: 7 }]);
    const worse = await tc.api("PUT", "/v1/nodes/kx6/states/provision", { target: "active" });
    expect(JSON.parse(worse.json.error_message).faultstring).toBe("Invalid value for instance_info/deploy_reboot_method: 7. Supported values are: power, kexec.");
  });
});
