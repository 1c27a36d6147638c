/**
 * Orchestration against a stand-in agent speaking IPA's protocol: inspect, automated clean,
 * deploy with progress, a failing deploy, manual clean, undeploy, abort, and timeouts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startStandInAgent, type StandInAgent } from "./helpers/stand-in-agent.ts";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";

let tc: TestConductor;
const agents: StandInAgent[] = [];

beforeAll(async () => {
  tc = await startTestConductor({ agent: { poll_interval_s: 0.1, heartbeat_timeout_s: 10 } });
  mkdirSync(join(tc.dataDir, "images"), { recursive: true });
  writeFileSync(join(tc.dataDir, "images", "disk.raw"), Buffer.alloc(4096, 7));
});
afterAll(async () => {
  for (const a of agents) a.stop();
  await tc.stop();
});


describe("life cycle with a stand-in agent", () => {
  test("inspect -> provide (clean) -> deploy (progress) -> undeploy", async () => {
    const mac = "52:54:00:00:00:01";
    const uuid = await tc.enroll("n1", mac);
    const agent = await startStandInAgent({ apiUrl: tc.url, macs: [mac, "52:54:00:00:00:02"] });
    agents.push(agent);

    expect((await tc.api("PUT", "/v1/nodes/n1/states/provision", { target: "inspect" })).status).toBe(202);
    let n = await tc.waitFor("n1", (x) => x.provision_state === "manageable" && x.inspection_finished_at);
    expect(n.properties).toMatchObject({ cpus: 4, memory_mb: 8192, local_gb: 19, cpu_arch: "x86_64" });
    const ports = (await tc.api("GET", "/v1/nodes/n1/ports?detail=true")).json.ports;
    expect(ports.map((p: any) => p.address).sort()).toEqual([mac, "52:54:00:00:00:02"]);
    const inv = await tc.api("GET", "/v1/nodes/n1/inventory");
    expect(inv.json.inventory.cpu.count).toBe(4);
    expect(n.driver_internal_info.agent_secret_token).toBeUndefined();

    expect((await tc.api("PUT", "/v1/nodes/n1/states/provision", { target: "provide" })).status).toBe(202);
    n = await tc.waitFor("n1", (x) => x.provision_state === "available");
    const cleanSteps = agent.commands.filter((c) => c.name === "clean.execute_clean_step").map((c) => (c.params.step as any).step);
    expect(cleanSteps).toEqual(["erase_devices_metadata", "erase_devices"]);
    expect(n.power_state).toBe("power off");

    await tc.api("PATCH", "/v1/nodes/n1", [{ op: "add", path: "/instance_info/image_source", value: "disk.raw" }]);
    expect((await tc.api("PUT", "/v1/nodes/n1/states/provision", { target: "active" })).status).toBe(202);
    const progress = await tc.waitFor("n1", (x) => x.driver_internal_info.deploy_progress?.bytes_written > 0);
    expect(progress.provision_state).toBe("wait call-back");
    expect(progress.driver_internal_info.deploy_progress.step).toBe("write_image");
    n = await tc.waitFor("n1", (x) => x.provision_state === "active");
    expect(n.last_error).toBeNull();
    const write = agent.commands.find((c) => c.name === "deploy.execute_deploy_step")!;
    const info = (write.params.step as any).args.image_info;
    expect(info.urls).toEqual([`${tc.url}/images/disk.raw`]);
    expect(info.os_hash_algo).toBe("sha256");
    expect(info.os_hash_value).toBe(new Bun.CryptoHasher("sha256").update(Buffer.alloc(4096, 7)).digest("hex"));
    const img = await fetch(info.urls[0], { headers: { Range: "bytes=0-9" } });
    expect(img.status).toBe(206);
    expect((await img.arrayBuffer()).byteLength).toBe(10);
    const fake = tc.conductor.drivers.get("fake-hardware") as any;
    const mine = fake.actions.filter((a: any) => a.node === uuid).map((a: any) => `${a.kind}:${a.value}`);
    expect(mine.slice(-5)).toEqual(["instance:boot from disk", "boot:disk", "power:power off", "power:power on", "ramdisk:cleaned up"]);
    expect(n.power_state).toBe("power on");

    expect((await tc.api("PUT", "/v1/nodes/n1/states/provision", { target: "deleted" })).status).toBe(202);
    n = await tc.waitFor("n1", (x) => x.provision_state === "available");
    expect(n.instance_info).toEqual({});
  }, 30_000);

  test("a failing write_image lands in deploy failed with the agent's reason", async () => {
    const mac = "52:54:00:00:01:01";
    await tc.enroll("n2", mac);
    await tc.api("PATCH", "/v1/nodes/n2", [{ op: "add", path: "/automated_clean", value: false }]);
    await tc.api("PUT", "/v1/nodes/n2/states/provision", { target: "provide" });
    await tc.waitFor("n2", (x) => x.provision_state === "available");
    const agent = await startStandInAgent({ apiUrl: tc.url, macs: [mac], failWriteImage: "Image checksum mismatch: expected abc got def" });
    agents.push(agent);
    await tc.api("PATCH", "/v1/nodes/n2", [
      { op: "add", path: "/instance_info/image_source", value: "http://127.0.0.1:1/x.raw" },
      { op: "add", path: "/instance_info/image_os_hash_algo", value: "sha256" },
      { op: "add", path: "/instance_info/image_os_hash_value", value: "abc" },
    ]);
    await tc.api("PUT", "/v1/nodes/n2/states/provision", { target: "active" });
    const n = await tc.waitFor("n2", (x) => x.provision_state === "deploy failed");
    expect(n.last_error).toContain("write_image");
    expect(n.last_error).toContain("checksum mismatch");
  }, 20_000);

  test("manual clean runs the operator's steps and returns to manageable", async () => {
    const mac = "52:54:00:00:02:01";
    await tc.enroll("n3", mac);
    const agent = await startStandInAgent({ apiUrl: tc.url, macs: [mac] });
    agents.push(agent);
    const steps = [{ interface: "management", step: "update_firmware", args: { firmware_images: [{ url: "http://x/fw.bin" }] } }];
    expect((await tc.api("PUT", "/v1/nodes/n3/states/provision", { target: "clean", clean_steps: steps })).status).toBe(202);
    await tc.waitFor("n3", (x) => x.provision_state === "manageable" && x.driver_internal_info.clean_steps === undefined);
    const sent = agent.commands.filter((c) => c.name === "clean.execute_clean_step").map((c) => c.params.step as any);
    expect(sent.map((s) => [s.step, s.args])).toEqual([["update_firmware", { firmware_images: [{ url: "http://x/fw.bin" }] }]]);
    // an unknown step fails cleaning with a reason
    await tc.api("PUT", "/v1/nodes/n3/states/provision", { target: "clean", clean_steps: [{ interface: "deploy", step: "nope" }] });
    const n = await tc.waitFor("n3", (x) => x.provision_state === "clean failed");
    expect(n.last_error).toContain("not supported");
  }, 20_000);

  test("manage from available is immediate: manageable with no target state left behind", async () => {
    await tc.enroll("n6", "52:54:00:00:05:01");
    expect((await tc.api("PATCH", "/v1/nodes/n6", [{ op: "replace", path: "/deploy_interface", value: "fake" }])).status).toBe(200);
    expect((await tc.api("PUT", "/v1/nodes/n6/states/provision", { target: "provide" })).status).toBe(202);
    await tc.waitFor("n6", (x) => x.provision_state === "available" && x.target_provision_state === null);
    expect((await tc.api("PUT", "/v1/nodes/n6/states/provision", { target: "manage" })).status).toBe(202);
    const n = (await tc.api("GET", "/v1/nodes/n6")).json;
    expect([n.provision_state, n.target_provision_state]).toEqual(["manageable", null]);
  });

  test("abort, invalid verbs and locks", async () => {
    await tc.enroll("n4", "52:54:00:00:03:01");
    await tc.api("PUT", "/v1/nodes/n4/states/provision", { target: "inspect" });
    await tc.waitFor("n4", (x) => x.provision_state === "inspect wait");
    expect((await tc.api("PUT", "/v1/nodes/n4/states/provision", { target: "abort" })).status).toBe(202);
    const n = await tc.waitFor("n4", (x) => x.provision_state === "inspect failed");
    expect(n.last_error).toContain("aborted");
    const bad = await tc.api("PUT", "/v1/nodes/n4/states/provision", { target: "active" });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.json.error_message).faultstring).toContain('can not be performed on node');
  });
});

describe("timeouts", () => {
  test("a node whose agent never calls back fails with a reason", async () => {
    const t2 = await startTestConductor({ timeouts: { deploy_callback_s: 0.3, clean_callback_s: 0.3, inspect_wait_s: 0.3, check_interval_s: 0.1 } });
    try {
      await t2.api("POST", "/v1/nodes", { name: "t", driver: "fake-hardware" });
      await t2.api("PUT", "/v1/nodes/t/states/provision", { target: "manage" });
      await t2.waitFor("t", (x) => x.provision_state === "manageable");
      await t2.api("PUT", "/v1/nodes/t/states/provision", { target: "provide" });
      const n = await t2.waitFor("t", (x) => x.provision_state === "clean failed", 5000);
      expect(n.last_error).toMatch(/Timeout reached while waiting for callback.*no heartbeat received/);
    } finally {
      await t2.stop();
    }
  });
});
