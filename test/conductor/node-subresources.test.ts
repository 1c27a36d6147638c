/**
 * Node sub-resources and provision verbs of Ironic's v1 API on the conductor: traits, VIFs,
 * states/raid, bios, firmware, vmedia, history, vendor_passthru, states/console, children,
 * and the adopt / rescue / unrescue verbs. The in-process conductor with fake-hardware nodes
 * (and the scripted BMC for a driver whose validation fails).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseIronicError } from "../../protocol/ironic-api.ts";
import { HISTORY_MAX_ENTRIES } from "../../conductor/store/history-store.ts";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";
import { createScriptedBmc } from "./helpers/scripted-bmc.ts";

let tc: TestConductor;
const fault = (r: { text: string }) => parseIronicError(r.text);

beforeAll(async () => {
  tc = await startTestConductor({ enabled_drivers: ["fake-hardware", "scripted-bmc"] }, undefined, undefined, { extraDrivers: [createScriptedBmc()] });
});
afterAll(() => tc.destroy());

async function node(name: string, body: Record<string, unknown> = {}): Promise<string> {
  const r = await tc.api("POST", "/v1/nodes", { name, driver: "fake-hardware", ...body });
  expect(r.status).toBe(201);
  return r.json.uuid;
}

describe("traits (1.37)", () => {
  test("set all, add one (Location), list sorted, in the node view, delete one and all", async () => {
    const uuid = await node("t1");
    expect((await tc.api("GET", "/v1/nodes/t1/traits")).json).toEqual({ traits: [] });
    expect((await tc.api("PUT", "/v1/nodes/t1/traits", { traits: ["CUSTOM_B", "CUSTOM_A", "HW_CPU_X86_AVX2"] })).status).toBe(204);
    const r = await fetch(`${tc.url}/v1/nodes/t1/traits/CUSTOM_C`, { method: "PUT", headers: { "X-OpenStack-Ironic-API-Version": "1.37" } });
    expect([r.status, r.headers.get("location")]).toEqual([204, `${tc.url}/v1/nodes/t1/traits/CUSTOM_C`]);
    expect((await tc.api("GET", "/v1/nodes/t1/traits")).json.traits).toEqual(["CUSTOM_A", "CUSTOM_B", "CUSTOM_C", "HW_CPU_X86_AVX2"]);
    expect((await tc.api("GET", "/v1/nodes/t1?fields=traits")).json.traits).toEqual(["CUSTOM_A", "CUSTOM_B", "CUSTOM_C", "HW_CPU_X86_AVX2"]);
    // A PATCH of other fields keeps them.
    expect((await tc.api("PATCH", "/v1/nodes/t1", [{ op: "add", path: "/description", value: "x" }])).json.traits).toHaveLength(4);
    const missing = await tc.api("DELETE", "/v1/nodes/t1/traits/CUSTOM_ZZ");
    expect([missing.status, fault(missing)]).toEqual([404, `Node ${uuid} doesn't have a trait 'CUSTOM_ZZ'`]);
    expect((await tc.api("DELETE", "/v1/nodes/t1/traits/CUSTOM_A")).status).toBe(204);
    expect((await tc.api("GET", "/v1/nodes/t1/traits")).json.traits).toEqual(["CUSTOM_B", "CUSTOM_C", "HW_CPU_X86_AVX2"]);
    expect((await tc.api("DELETE", "/v1/nodes/t1/traits")).status).toBe(204);
    expect((await tc.api("GET", "/v1/nodes/t1/traits")).json.traits).toEqual([]);
  });

  test("refusals: bad names, both or neither form, more than 50, old microversion, PATCH", async () => {
    const uuid = await node("t2");
    for (const bad of ["custom_bad", "HW_NOPE", `CUSTOM_${"A".repeat(250)}`]) {
      const r = await tc.api("PUT", `/v1/nodes/t2/traits/${bad}`);
      expect([r.status, fault(r)]).toEqual([400, `Schema error for trait: '${bad}' is not valid under any of the given schemas. Possible root cause: '${bad}' does not match '^CUSTOM_[A-Z0-9_]+$'`]);
    }
    expect((await tc.api("PUT", "/v1/nodes/t2/traits", { traits: ["lower"] })).status).toBe(400);
    for (const [path, body] of [["/v1/nodes/t2/traits", {}], ["/v1/nodes/t2/traits", undefined], ["/v1/nodes/t2/traits/CUSTOM_D", { traits: ["CUSTOM_E"] }]] as const) {
      const r = await tc.api("PUT", path, body);
      expect(r.status).toBe(400);
      expect(fault(r)).toStartWith("A single node trait may be added via PUT");
    }
    const many = Array.from({ length: 51 }, (_, i) => `CUSTOM_T${i}`);
    const r = await tc.api("PUT", "/v1/nodes/t2/traits", { traits: many });
    expect([r.status, fault(r)]).toEqual([400, `Could not modify traits for node ${uuid} as it would exceed the maximum number of traits per node (51 vs. 50)`]);
    expect((await tc.api("PUT", "/v1/nodes/t2/traits", { traits: many.slice(0, 50) })).status).toBe(204);
    expect((await tc.api("PUT", "/v1/nodes/t2/traits/CUSTOM_ONE_MORE")).status).toBe(400);
    expect((await tc.api("GET", "/v1/nodes/t2/traits", undefined, { "X-OpenStack-Ironic-API-Version": "1.36" })).status).toBe(406);
    expect((await tc.api("PATCH", "/v1/nodes/t2", [{ op: "add", path: "/traits", value: ["CUSTOM_X"] }])).status).toBe(400);
  });
});

describe("vifs (1.28)", () => {
  test("attach takes a free port (PXE first), list, a second VIF needs a second port, detach", async () => {
    const uuid = await node("v1");
    const noPort = await tc.api("POST", "/v1/nodes/v1/vifs", { id: "net-a" });
    expect([noPort.status, fault(noPort)]).toEqual([400, "Unable to attach VIF net-a, not enough free physical ports."]);
    const p1 = await tc.api("POST", "/v1/ports", { address: "52:54:00:00:a1:01", node_uuid: uuid, pxe_enabled: false });
    const p2 = await tc.api("POST", "/v1/ports", { address: "52:54:00:00:a1:02", node_uuid: uuid });
    expect((await tc.api("POST", "/v1/nodes/v1/vifs", { id: "net-a" })).status).toBe(204);
    expect(tc.conductor.ctx.store.vifs.list(uuid).map((v) => [v.vif_id, v.port_uuid])).toEqual([["net-a", p2.json.uuid]]);
    const again = await tc.api("POST", "/v1/nodes/v1/vifs", { id: "net-a" });
    expect([again.status, fault(again)]).toEqual([409, `Unable to attach VIF because VIF net-a is already attached to Ironic Port ${p2.json.uuid}`]);
    expect((await tc.api("POST", "/v1/nodes/v1/vifs", { id: "net-b" })).status).toBe(204);
    expect(tc.conductor.ctx.store.vifs.forPort(p1.json.uuid)?.vif_id).toBe("net-b");
    expect((await tc.api("POST", "/v1/nodes/v1/vifs", { id: "net-c" })).status).toBe(400);
    expect((await tc.api("GET", "/v1/nodes/v1/vifs")).json).toEqual({ vifs: [{ id: "net-a" }, { id: "net-b" }] });
    expect((await tc.api("DELETE", "/v1/nodes/v1/vifs/net-a")).status).toBe(204);
    const gone = await tc.api("DELETE", "/v1/nodes/v1/vifs/net-a");
    expect([gone.status, fault(gone)]).toEqual([400, `Unable to detach VIF net-a from node ${uuid} because it is not attached to it.`]);
    expect((await tc.api("GET", "/v1/nodes/v1/vifs")).json).toEqual({ vifs: [{ id: "net-b" }] });
    expect((await tc.api("POST", "/v1/nodes/v1/vifs", {})).status).toBe(400);
    expect((await tc.api("GET", "/v1/nodes/v1/vifs", undefined, { "X-OpenStack-Ironic-API-Version": "1.27" })).status).toBe(404);
    // Deleting the port drops its VIF.
    expect((await tc.api("DELETE", `/v1/ports/${p1.json.uuid}`)).status).toBe(204);
    expect((await tc.api("GET", "/v1/nodes/v1/vifs")).json).toEqual({ vifs: [] });
  });
});

describe("states/raid (1.12)", () => {
  test("no-raid refuses a config with 404; agent RAID validates and stores it; {} clears", async () => {
    await node("r1");
    const disk = { size_gb: 100, raid_level: "1", is_root_volume: true };
    let r = await tc.api("PUT", "/v1/nodes/r1/states/raid", { logical_disks: [disk] });
    expect([r.status, fault(r)]).toEqual([404, "Driver fake-hardware does not support raid (disabled or not implemented)."]);
    expect((await tc.api("PUT", "/v1/nodes/r1/states/raid", {})).status).toBe(204);
    await node("r2", { raid_interface: "agent" });
    expect((await tc.api("PUT", "/v1/nodes/r2/states/raid", { logical_disks: [disk, { size_gb: "MAX", raid_level: "0" }] })).status).toBe(204);
    expect((await tc.api("GET", "/v1/nodes/r2/states")).json.target_raid_config).toEqual({ logical_disks: [disk, { size_gb: "MAX", raid_level: "0" }] });
    expect((await tc.api("GET", "/v1/nodes/r2?fields=target_raid_config,raid_config")).json).toMatchObject({ target_raid_config: { logical_disks: [disk, { size_gb: "MAX", raid_level: "0" }] }, raid_config: {} });
    const bad: [unknown, string][] = [
      [{ logical_disks: [{ size_gb: "MAX", raid_level: "7" }] }, "RAID config validation error: '7' is not one of ['JBOD', '0', '1', '2', '5', '6', '1+0', '5+0', '6+0']"],
      [{ logical_disks: [{ size_gb: "x", raid_level: "1" }] }, "RAID config validation error: 'x' is not one of ['MAX']"],
      [{ logical_disks: [] }, "RAID config validation error: [] is too short"],
      [{ foo: 1 }, "RAID config validation error: 'logical_disks' is a required property"],
      [{ logical_disks: [disk], foo: 1 }, "RAID config validation error: Additional properties are not allowed ('foo' was unexpected)"],
      [{ logical_disks: [disk, { ...disk, raid_level: "0" }] }, "Raid config cannot have more than one root volume. 2 root volumes were specified"],
      [{ logical_disks: [{ size_gb: 1, raid_level: "1", bogus: 1 }] }, "RAID config validation error: Additional properties are not allowed ('bogus' was unexpected)"],
      [[1], "Expected types <class 'dict'> for target_raid_config: [1]"],
    ];
    for (const [body, msg] of bad) {
      r = await tc.api("PUT", "/v1/nodes/r2/states/raid", body);
      expect({ body, status: r.status, fault: fault(r) }).toEqual({ body, status: 400, fault: msg });
    }
    expect((await tc.api("PUT", "/v1/nodes/r2/states/raid", {}, { "X-OpenStack-Ironic-API-Version": "1.11" })).status).toBe(406);
    expect((await tc.api("PUT", "/v1/nodes/r2/states/raid", {})).status).toBe(204);
    expect((await tc.api("GET", "/v1/nodes/r2")).json.target_raid_config).toEqual({});
  });
});

describe("bios, firmware, vmedia, children, console, vendor_passthru", () => {
  test("bios is empty (no-bios); a name is Ironic's 404; before 1.40 the resource does not exist", async () => {
    const uuid = await node("b1");
    expect((await tc.api("GET", "/v1/nodes/b1/bios")).json).toEqual({ bios: [] });
    const r = await tc.api("GET", "/v1/nodes/b1/bios/ProcVirtualization");
    expect([r.status, fault(r)]).toEqual([404, `Node ${uuid} doesn't have a BIOS setting 'ProcVirtualization'`]);
    expect((await tc.api("GET", "/v1/nodes/b1/bios", undefined, { "X-OpenStack-Ironic-API-Version": "1.39" })).status).toBe(404);
  });

  test("firmware lists the inventory's system firmware (1.86), empty without an inventory", async () => {
    const uuid = await node("f1");
    const v86 = { "X-OpenStack-Ironic-API-Version": "1.86" };
    expect((await tc.api("GET", "/v1/nodes/f1/firmware", undefined, v86)).json).toEqual({ firmware: [] });
    tc.conductor.ctx.store.inventories.save(uuid, { system_vendor: { manufacturer: "QEMU", firmware: { vendor: "EFI Development Kit II", version: "2023.05", build_date: "2023-05-01" } } });
    const r = await tc.api("GET", "/v1/nodes/f1/firmware", undefined, v86);
    expect(r.json).toEqual({ firmware: [{ component: "bios", initial_version: "2023.05", current_version: "2023.05", last_version_flashed: null, created_at: null, updated_at: null }] });
    expect((await tc.api("GET", "/v1/nodes/f1/firmware", undefined, { "X-OpenStack-Ironic-API-Version": "1.85" })).status).toBe(404);
  });

  test("vmedia (1.89) is refused clearly: no Teeth driver has virtual media; a bad body is still a 400 naming it", async () => {
    await node("m1");
    const v89 = { "X-OpenStack-Ironic-API-Version": "1.89" };
    for (const [method, body, op] of [["GET", undefined, "get"], ["POST", { device_type: "CDROM", image_url: "http://10.0.0.1/x.iso" }, "attach"], ["DELETE", undefined, "detach"]] as const) {
      const r = await tc.api(method, "/v1/nodes/m1/vmedia", body, v89);
      expect([method, r.status, fault(r)]).toEqual([method, 400, `Driver fake-hardware does not support ${op}_virtual_media (disabled or not implemented).`]);
    }
    const bad = await tc.api("POST", "/v1/nodes/m1/vmedia", { device_type: "TAPE", image_url: "x" }, v89);
    expect(bad.status).toBe(400);
    expect(fault(bad)).toContain("device_type");
  });

  test("children (1.83) lists nodes whose parent_node is this node; parent_node in the view", async () => {
    const uuid = await node("c1");
    expect((await tc.api("GET", "/v1/nodes/c1/children", undefined, { "X-OpenStack-Ironic-API-Version": "1.83" })).json).toEqual({ children: [] });
    const child = await node("c2");
    const store = tc.conductor.ctx.store;
    store.nodes.update(child, { attrs: { ...store.nodes.get(child)!.attrs, parent_node: uuid } });
    expect((await tc.api("GET", "/v1/nodes/c1/children", undefined, { "X-OpenStack-Ironic-API-Version": "1.83" })).json).toEqual({ children: [child] });
    expect((await tc.api("GET", "/v1/nodes/c2?fields=parent_node")).json.parent_node).toBe(uuid);
  });

  test("console: disabled, no info; enabling is Ironic's 400", async () => {
    await node("k1");
    expect((await tc.api("GET", "/v1/nodes/k1/states/console")).json).toEqual({ console_enabled: false, console_info: null });
    let r = await tc.api("PUT", "/v1/nodes/k1/states/console", { enabled: true });
    expect([r.status, fault(r)]).toEqual([400, "Driver fake-hardware does not support console (disabled or not implemented)."]);
    r = await tc.api("PUT", "/v1/nodes/k1/states/console", {});
    expect([r.status, fault(r)]).toEqual([400, "Missing mandatory parameter: enabled"]);
  });

  test("vendor_passthru: no methods; any method is Ironic's 400; drivers too; unknown driver 404", async () => {
    await node("p1");
    expect((await tc.api("GET", "/v1/nodes/p1/vendor_passthru/methods")).json).toEqual({});
    for (const method of ["GET", "POST", "DELETE"]) {
      const r = await tc.api(method, "/v1/nodes/p1/vendor_passthru?method=create_subscription", method === "POST" ? {} : undefined);
      expect([method, r.status, fault(r)]).toEqual([method, 400, "No handler for method create_subscription"]);
    }
    const none = await tc.api("GET", "/v1/nodes/p1/vendor_passthru");
    expect([none.status, fault(none)]).toEqual([400, "Missing mandatory parameter: method"]);
    expect((await tc.api("GET", "/v1/drivers/fake-hardware/vendor_passthru/methods")).json).toEqual({});
    const d = await tc.api("POST", "/v1/drivers/fake-hardware/vendor_passthru?method=foo", {});
    expect([d.status, fault(d)]).toEqual([400, "No handler for method foo"]);
    const u = await tc.api("POST", "/v1/drivers/nope/vendor_passthru?method=foo", {});
    expect([u.status, fault(u)]).toEqual([404, "The driver 'nope' is unknown."]);
  });
});

describe("provision verbs: adopt, rescue, unrescue", () => {
  test("adopt: manageable -> adopting -> active without a deploy; recorded in the history", async () => {
    const uuid = await tc.enroll("a1", "52:54:00:00:b1:01");
    expect((await tc.api("PUT", "/v1/nodes/a1/states/provision", { target: "adopt" }, { "X-OpenStack-Ironic-API-Version": "1.16" })).status).toBe(406);
    expect((await tc.api("PUT", "/v1/nodes/a1/states/provision", { target: "adopt" })).status).toBe(202);
    const n = await tc.waitFor("a1", (x) => x.provision_state === "active");
    expect(n).toMatchObject({ target_provision_state: null, last_error: null });
    const events = (await tc.api("GET", "/v1/nodes/a1/history?detail=True")).json.history;
    expect(events.map((e: any) => e.event)).toContain("adopting -> active: adopted");
    expect(events.find((e: any) => e.event === "adopting -> active: adopted")).toMatchObject({ severity: "INFO", event_type: "adoption", conductor: tc.conductor.ctx.hostname, user: null });
    expect(uuid).toBeTruthy();
  });

  test("adopt with a driver that does not validate: adopt failed with Ironic's message, ERROR in history; adopt again after a fix", async () => {
    await tc.api("POST", "/v1/nodes", { name: "a2", driver: "scripted-bmc", driver_info: {} });
    expect((await tc.api("PUT", "/v1/nodes/a2/states/provision", { target: "manage" })).status).toBe(202);
    const m = await tc.waitFor("a2", (x) => x.provision_state === "manageable");
    expect((await tc.api("PATCH", "/v1/nodes/a2", [{ op: "add", path: "/driver_info/scripted_broken", value: true }])).status).toBe(200);
    expect((await tc.api("PUT", "/v1/nodes/a2/states/provision", { target: "adopt" })).status).toBe(202);
    const f = await tc.waitFor("a2", (x) => x.provision_state === "adopt failed");
    const msg = `Error while attempting to adopt node ${m.uuid}: Missing the following scripted credentials in node's driver_info: scripted_address..`;
    expect([f.last_error, f.power_state]).toEqual([msg, null]);
    const h = (await tc.api("GET", "/v1/nodes/a2/history?detail=True")).json.history.at(-1);
    expect(h).toMatchObject({ severity: "ERROR", event_type: "adoption", event: msg });
    expect((await tc.api("GET", `/v1/nodes/a2/history/${h.uuid}`)).json).toMatchObject({ uuid: h.uuid, event: msg, links: [{ rel: "self" }] });
    expect((await tc.api("PATCH", "/v1/nodes/a2", [{ op: "remove", path: "/driver_info/scripted_broken" }])).status).toBe(200);
    expect((await tc.api("PUT", "/v1/nodes/a2/states/provision", { target: "adopt" })).status).toBe(202);
    await tc.waitFor("a2", (x) => x.provision_state === "active" && x.last_error === null);
  });

  test("rescue and unrescue are refused clearly (no-rescue), in the order Ironic checks", async () => {
    const uuid = await tc.enroll("s1", "52:54:00:00:c1:01");
    let r = await tc.api("PUT", "/v1/nodes/s1/states/provision", { target: "rescue", rescue_password: "pw" });
    expect([r.status, fault(r)]).toEqual([400, `The requested action "rescue" can not be performed on node "${uuid}" while it is in state "manageable".`]);
    await tc.api("PUT", "/v1/nodes/s1/states/provision", { target: "adopt" });
    await tc.waitFor("s1", (x) => x.provision_state === "active");
    r = await tc.api("PUT", "/v1/nodes/s1/states/provision", { target: "rescue" });
    expect([r.status, fault(r)]).toEqual([400, 'A non-empty "rescue_password" is required when setting target provision state to rescue']);
    r = await tc.api("PUT", "/v1/nodes/s1/states/provision", { target: "rescue", rescue_password: "pw" });
    expect([r.status, fault(r)]).toEqual([400, "Driver fake-hardware does not support rescue (disabled or not implemented)."]);
    r = await tc.api("PUT", "/v1/nodes/s1/states/provision", { target: "rescue", rescue_password: "pw" }, { "X-OpenStack-Ironic-API-Version": "1.37" });
    expect(r.status).toBe(406);
    r = await tc.api("PUT", "/v1/nodes/s1/states/provision", { target: "unrescue" });
    expect([r.status, fault(r)]).toEqual([400, `The requested action "unrescue" can not be performed on node "${uuid}" while it is in state "active".`]);
    r = await tc.api("PUT", "/v1/nodes/s1/states/provision", { target: "deleted", rescue_password: "pw" });
    expect([r.status, fault(r)]).toEqual([400, '"rescue_password" is only valid when setting target provision state to rescue']);
    expect((await tc.api("GET", "/v1/nodes/s1")).json.provision_state).toBe("active");
  });
});

describe("abort where Ironic allows it, at the versions it allows it", () => {
  test("inspect wait: 406 before 1.41, then inspect failed; wait call-back: refused below 1.110", async () => {
    const uuid = await tc.enroll("ab1", "52:54:00:00:e1:01");
    await tc.api("PUT", "/v1/nodes/ab1/states/provision", { target: "inspect" });
    await tc.waitFor("ab1", (x) => x.provision_state === "inspect wait" && x.reservation === null);
    expect((await tc.api("PUT", "/v1/nodes/ab1/states/provision", { target: "abort" }, { "X-OpenStack-Ironic-API-Version": "1.40" })).status).toBe(406);
    expect((await tc.api("PUT", "/v1/nodes/ab1/states/provision", { target: "abort" }, { "X-OpenStack-Ironic-API-Version": "1.41" })).status).toBe(202);
    await tc.waitFor("ab1", (x) => x.provision_state === "inspect failed");

    mkdirSync(join(tc.dataDir, "images"), { recursive: true });
    writeFileSync(join(tc.dataDir, "images", "os.raw"), Buffer.alloc(4096, 7));
    const dep = await tc.enroll("ab2", "52:54:00:00:e1:02");
    await tc.api("PATCH", "/v1/nodes/ab2", [{ op: "add", path: "/instance_info/image_source", value: "os.raw" }, { op: "add", path: "/automated_clean", value: false }]);
    await tc.api("PUT", "/v1/nodes/ab2/states/provision", { target: "provide" });
    await tc.waitFor("ab2", (x) => x.provision_state === "available");
    expect((await tc.api("PUT", "/v1/nodes/ab2/states/provision", { target: "active" })).status).toBe(202);
    await tc.waitFor("ab2", (x) => x.provision_state === "wait call-back" && x.reservation === null);
    const r = await tc.api("PUT", "/v1/nodes/ab2/states/provision", { target: "abort" });
    expect([r.status, fault(r)]).toEqual([400, `The requested action "abort" can not be performed on node "${dep}" while it is in state "wait call-back".`]);
    expect((await tc.api("GET", "/v1/nodes/ab2")).json.provision_state).toBe("wait call-back");
    expect(uuid).toBeTruthy();
  }, 20_000);
});

describe("history (1.78)", () => {
  test("every transition with its reason, maintenance changes, short and detailed forms, paging, 404s", async () => {
    const uuid = await tc.enroll("h1", "52:54:00:00:d1:01");
    await tc.api("PUT", "/v1/nodes/h1/maintenance", { reason: "disk swap" });
    await tc.api("DELETE", "/v1/nodes/h1/maintenance");
    const all = (await tc.api("GET", "/v1/nodes/h1/history")).json.history;
    expect(all.map((e: any) => e.event)).toEqual(["enroll -> verifying: manage requested", "verifying -> manageable: driver validated", "Maintenance mode set: disk swap", "Maintenance mode cleared"]);
    expect(Object.keys(all[0])).toEqual(["uuid", "created_at", "severity", "event", "links"]);
    expect(all[0].links[0].href).toBe(`${tc.url}/v1/nodes/${uuid}/history/${all[0].uuid}`);
    const detail = (await tc.api("GET", "/v1/nodes/h1/history?detail=True")).json.history;
    expect(Object.keys(detail[0])).toEqual(["uuid", "created_at", "severity", "event", "event_type", "conductor", "user", "links"]);
    expect(detail.map((e: any) => e.event_type)).toEqual(["verify", "verify", "maintenance", "maintenance"]);
    const p1 = (await tc.api("GET", "/v1/nodes/h1/history?limit=2")).json;
    expect(p1.history.map((e: any) => e.uuid)).toEqual(all.slice(0, 2).map((e: any) => e.uuid));
    expect(p1.next).toContain(`marker=${all[1].uuid}`);
    const p2 = (await tc.api("GET", `/v1/nodes/h1/history?limit=2&marker=${all[1].uuid}`)).json;
    expect(p2.history.map((e: any) => e.uuid)).toEqual(all.slice(2, 4).map((e: any) => e.uuid));
    const nf = await tc.api("GET", "/v1/nodes/h1/history/5b1e6c6c-0000-4000-8000-000000000000");
    expect([nf.status, fault(nf)]).toEqual([404, "Node history record 5b1e6c6c-0000-4000-8000-000000000000 could not be found."]);
    expect((await tc.api("GET", "/v1/nodes/h1/history", undefined, { "X-OpenStack-Ironic-API-Version": "1.77" })).status).toBe(404);
    expect((await tc.api("GET", "/v1/nodes/h1/history?limit=0")).status).toBe(400);
  });

  test("long events are cut to 255 in the list, whole in the entry; bounded per node", async () => {
    const uuid = await node("h2");
    const history = tc.conductor.ctx.store.history;
    const long = "x".repeat(400);
    const e = history.record({ node_uuid: uuid, severity: "ERROR", event_type: "deploying", event: long, conductor: "c", user: null });
    expect((await tc.api("GET", "/v1/nodes/h2/history")).json.history[0].event).toBe(`${"x".repeat(251)}...`);
    expect((await tc.api("GET", `/v1/nodes/h2/history/${e.uuid}`)).json.event).toBe(long);
    for (let i = 0; i < HISTORY_MAX_ENTRIES + 20; i++) history.record({ node_uuid: uuid, severity: "INFO", event_type: "t", event: `e${i}`, conductor: "c", user: null });
    const kept = history.list(uuid, { limit: 10_000 });
    expect(kept).toHaveLength(HISTORY_MAX_ENTRIES);
    expect(kept[0]!.event).toBe("e20");
    expect(kept.at(-1)!.event).toBe(`e${HISTORY_MAX_ENTRIES + 19}`);
    // A deleted node takes its history (and VIFs) with it.
    expect((await tc.api("DELETE", "/v1/nodes/h2")).status).toBe(204);
    expect(history.list(uuid)).toEqual([]);
  });
});
