/**
 * Fast track end to end with the in-process conductor, fake hardware and a stand-in agent:
 * after cleaning the node waits in `available` powered on with its agent heartbeating; a
 * deploy drives that agent at once (no power action, no network boot, no boot-device change
 * before the final boot from disk, and no heartbeat needed to start); a stale agent, or a node
 * powered off by the operator or behind the conductor's back, falls back to the normal flow
 * (said in the node's history); the power sync leaves the powered-on node alone; undeploy and
 * cleaning of a fast-track node work.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FakeHardware } from "../../conductor/drivers/fake/index.ts";
import { startStandInAgent, type StandInAgent } from "./helpers/stand-in-agent.ts";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";

let tc: TestConductor;
let fake: FakeHardware;
const agents: StandInAgent[] = [];

beforeAll(async () => {
  tc = await startTestConductor({ agent: { fast_track: true, fast_track_timeout_s: 30, poll_interval_s: 0.1, heartbeat_timeout_s: 60 } });
  mkdirSync(join(tc.dataDir, "images"), { recursive: true });
  writeFileSync(join(tc.dataDir, "images", "disk.raw"), Buffer.alloc(4096, 7));
  fake = tc.conductor.drivers.get("fake-hardware") as unknown as FakeHardware;
});
afterAll(async () => {
  for (const a of agents) a.stop();
  await tc.destroy();
});

/** A fake-hardware node with a stand-in agent that reboots (new token, new port) whenever its BMC power-cycles it. */
async function machine(name: string, mac: string): Promise<{ uuid: string; agent: StandInAgent }> {
  const uuid = await tc.enroll(name, mac);
  const agent = await startStandInAgent({ apiUrl: tc.url, macs: [mac], heartbeatMs: 100 });
  agents.push(agent);
  fake.onAction((a) => {
    if (a.node === uuid && a.kind === "power" && (a.value === "rebooting" || a.value === "power on")) agent.reboot();
  });
  return { uuid, agent };
}

const actionsOf = (uuid: string, from = 0) => fake.actions.slice(from).filter((a) => a.node === uuid).map((a) => `${a.kind}:${a.value}`);
const history = async (name: string): Promise<string[]> => (await tc.api("GET", `/v1/nodes/${name}/history?detail=True`)).json.history.map((h: any) => h.event);
const node = async (name: string) => (await tc.api("GET", `/v1/nodes/${name}`)).json;
const provision = async (name: string, target: string, state: string, extra: Record<string, unknown> = {}) => {
  expect((await tc.api("PUT", `/v1/nodes/${name}/states/provision`, { target, ...extra })).status).toBe(202);
  return tc.waitFor(name, (n) => n.provision_state === state && !n.target_provision_state, 20_000);
};
const setImage = (name: string) => tc.api("PATCH", `/v1/nodes/${name}`, [{ op: "add", path: "/instance_info/image_source", value: "disk.raw" }]);

describe("fast track", () => {
  test("after provide the node waits in available powered on; a deploy uses the running agent at once, without power cycle, PXE or boot-device change", async () => {
    const { uuid, agent } = await machine("ft1", "52:54:00:f7:00:01");
    let n = await provision("ft1", "provide", "available");
    expect(n.power_state).toBe("power on");
    expect(n.driver_internal_info.agent_url).toBeString();
    // Cleaning power-cycled the node once into the ramdisk, and never powered it off at the end.
    expect(actionsOf(uuid).filter((a) => a.startsWith("power:"))).toEqual(["power:power on"]);

    // No heartbeat from here on: the deploy must not wait for one.
    agent.paused = true;
    const from = fake.actions.length;
    const sent = agent.commands.length;
    await setImage("ft1");
    n = await provision("ft1", "active", "active");
    expect(agent.commands.slice(sent).map((c) => c.name)).toEqual(["deploy.get_deploy_steps", "deploy.execute_deploy_step", "standby.sync", "standby.power_off"]);
    // The only actions: the final boot from disk (Ironic's direct deploy after write_image).
    expect(actionsOf(uuid, from)).toEqual(["instance:boot from disk", "boot:disk", "power:power off", "power:power on", "ramdisk:cleaned up"]);
    expect((await history("ft1")).some((e) => /^Fast track: deploy reuses the running agent \(last heartbeat [\d.]+ s ago\); no power cycle/.test(e))).toBe(true);
    agent.paused = false;

    // Undeploy of the fast-track node: powered off, cleaned through a fresh agent, back to available powered on.
    n = await provision("ft1", "deleted", "available");
    expect(n.power_state).toBe("power on");
    await tc.waitFor("ft1", (x) => x.driver_internal_info.agent_url, 10_000);
    expect(agent.commands.filter((c) => c.name === "clean.execute_clean_step").length).toBe(4);
  }, 60_000);

  test("heartbeats in available refresh agent_last_heartbeat and start nothing", async () => {
    const { agent } = await machine("ft2", "52:54:00:f7:00:02");
    await provision("ft2", "provide", "available");
    const before = await node("ft2");
    const commands = agent.commands.length;
    const beats = agent.heartbeats.length;
    await Bun.sleep(1600); // the API shows agent_last_heartbeat to the second
    const after = await node("ft2");
    expect(agent.heartbeats.length).toBeGreaterThan(beats);
    expect(agent.heartbeats.slice(beats).every((h) => h.status === 202)).toBe(true);
    expect(Date.parse(after.driver_internal_info.agent_last_heartbeat)).toBeGreaterThan(Date.parse(before.driver_internal_info.agent_last_heartbeat));
    expect(agent.commands.length).toBe(commands);
    expect(after.provision_state).toBe("available");
  }, 30_000);

  test("an agent older than fast_track_timeout_s: the deploy falls back to booting the RAM disk, and the history says why", async () => {
    const { uuid, agent } = await machine("ft3", "52:54:00:f7:00:03");
    await provision("ft3", "provide", "available");
    agent.paused = true;
    // The agent's last heartbeat, as the store holds it, moved back beyond fast_track_timeout_s (30 s).
    tc.conductor.store.nodes.update(uuid, { agent_last_heartbeat: Date.now() - 45_000 });
    agent.paused = false;
    const from = fake.actions.length;
    await setImage("ft3");
    expect((await tc.api("PUT", "/v1/nodes/ft3/states/provision", { target: "active" })).status).toBe(202);
    await tc.waitFor("ft3", (x) => x.provision_state === "active", 20_000);
    expect(actionsOf(uuid, from).slice(0, 3)).toEqual(["ramdisk:ipa-api-url=" + tc.url, "boot:pxe", "power:rebooting"]);
    const h = await history("ft3");
    expect(h.some((e) => /^Fast track not possible for deploy: its agent last heartbeated 4\d(\.\d)? s ago \(agent.fast_track_timeout_s is 30\); booting the RAM disk through the BMC\.$/.test(e))).toBe(true);
  }, 60_000);

  test("a node the operator powered off is no longer live: its next deploy boots the RAM disk", async () => {
    const { uuid } = await machine("ft4", "52:54:00:f7:00:04");
    await provision("ft4", "provide", "available");
    expect((await tc.api("PUT", "/v1/nodes/ft4/states/power", { target: "power off" })).status).toBe(202);
    const off = await tc.waitFor("ft4", (x) => x.power_state === "power off" && !x.target_power_state);
    expect(off.driver_internal_info.agent_url).toBeUndefined();
    const from = fake.actions.length;
    await setImage("ft4");
    await provision("ft4", "active", "active");
    expect(actionsOf(uuid, from)).toContain("boot:pxe");
  }, 60_000);

  test("power sync leaves the powered-on available node alone; powered off behind the conductor's back, it is no longer live", async () => {
    const { uuid } = await machine("ft5", "52:54:00:f7:00:05");
    await provision("ft5", "provide", "available");
    await tc.conductor.idle();
    expect((await tc.conductor.powerSync.syncOnce()).get(uuid)).toBe("unchanged");
    let n = await node("ft5");
    expect(n).toMatchObject({ power_state: "power on", provision_state: "available" });
    expect(n.driver_internal_info.agent_url).toBeString();

    // Someone pressed the button: the BMC now says off.
    await fake.power.setPowerState(tc.conductor.store.nodes.get(uuid)!, "power off");
    expect((await tc.conductor.powerSync.syncOnce()).get(uuid)).toBe("corrected");
    n = await node("ft5");
    expect(n.power_state).toBe("power off");
    expect(n.driver_internal_info.agent_url).toBeUndefined();
    const from = fake.actions.length;
    await setImage("ft5");
    await provision("ft5", "active", "active");
    expect(actionsOf(uuid, from).slice(0, 3)).toEqual(["ramdisk:ipa-api-url=" + tc.url, "boot:pxe", "power:power on"]);
  }, 60_000);

  test("the BMC reading power off at deploy time wins over a recent heartbeat (Ironic's is_fast_track)", async () => {
    const { uuid } = await machine("ft6", "52:54:00:f7:00:06");
    await provision("ft6", "provide", "available");
    await tc.conductor.idle();
    await fake.power.setPowerState(tc.conductor.store.nodes.get(uuid)!, "power off");
    const from = fake.actions.length;
    await setImage("ft6");
    await provision("ft6", "active", "active");
    expect(actionsOf(uuid, from)).toContain("boot:pxe");
    expect((await history("ft6")).some((e) => e.startsWith("Fast track not possible for deploy: the BMC reports power off"))).toBe(true);
  }, 60_000);

  test("an agent that heartbeated recently but does not answer now: the deploy boots the RAM disk instead of failing", async () => {
    const { uuid, agent } = await machine("ft7", "52:54:00:f7:00:07");
    await provision("ft7", "provide", "available");
    await tc.conductor.idle();
    agent.stop(); // the process is gone; its last heartbeat is still fresh
    const from = fake.actions.length;
    await setImage("ft7");
    expect((await tc.api("PUT", "/v1/nodes/ft7/states/provision", { target: "active" })).status).toBe(202);
    const n = await tc.waitFor("ft7", (x) => x.provision_state === "wait call-back", 20_000);
    expect(n.last_error).toBeNull();
    expect(actionsOf(uuid, from)).toContain("boot:pxe");
    expect((await history("ft7")).some((e) => e.startsWith("Fast track not possible for deploy: its agent did not answer"))).toBe(true);
  }, 60_000);
});
