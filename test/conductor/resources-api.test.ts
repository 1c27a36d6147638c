/**
 * The smaller Ironic collections through the in-process conductor: chassis, portgroups,
 * allocations, deploy templates, volume connectors/targets, conductors and events, each with
 * create/show/list (fields, limit, marker, sort_key, detail), patch, delete, its microversion
 * gate and its error answers.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";
import { startStandInAgent } from "./helpers/stand-in-agent.ts";

let tc: TestConductor;
const fault = (r: { json: any }) => JSON.parse(r.json.error_message).faultstring as string;

beforeAll(async () => {
  tc = await startTestConductor({ cleaning: { automated_clean: false } });
});
afterAll(() => tc.destroy());

test("every collection answers 200 with an empty list when empty", async () => {
  for (const [path, key] of [["/v1/chassis", "chassis"], ["/v1/portgroups", "portgroups"], ["/v1/allocations", "allocations"], ["/v1/deploy_templates", "deploy_templates"], ["/v1/volume/connectors", "connectors"], ["/v1/volume/targets", "targets"]] as const) {
    const r = await tc.api("GET", path);
    expect([path, r.status, r.json[key]]).toEqual([path, 200, []]);
  }
});

test("chassis: create, show, list with fields/limit/marker/sort, patch, nodes, delete", async () => {
  const a = await tc.api("POST", "/v1/chassis", { description: "rack a", extra: { row: 1 } });
  expect(a.status).toBe(201);
  expect(a.json.links[0].href).toBe(`${tc.url}/v1/chassis/${a.json.uuid}`);
  const b = await tc.api("POST", "/v1/chassis", { description: "rack b" });
  let r = await tc.api("GET", "/v1/chassis");
  expect(r.json.chassis.map((c: any) => Object.keys(c).sort())).toEqual([["description", "links", "uuid"], ["description", "links", "uuid"]]);
  r = await tc.api("GET", "/v1/chassis?limit=1");
  expect(r.json.chassis).toHaveLength(1);
  expect(r.json.next).toContain(`marker=${r.json.chassis[0].uuid}`);
  const second = await tc.api("GET", `/v1/chassis?limit=1&marker=${r.json.chassis[0].uuid}`);
  expect(second.json.chassis[0].uuid).not.toBe(r.json.chassis[0].uuid);
  r = await tc.api("GET", "/v1/chassis?sort_key=description&sort_dir=desc&fields=description");
  expect(r.json.chassis.map((c: any) => c.description)).toEqual(["rack b", "rack a"]);
  expect(Object.keys(r.json.chassis[0]).sort()).toEqual(["description", "links"]);
  r = await tc.api("GET", "/v1/chassis/detail");
  expect(r.json.chassis[0].extra).toBeDefined();
  expect((await tc.api("GET", "/v1/chassis?detail=True")).json.chassis[0].nodes).toBeDefined();
  expect((await tc.api("GET", "/v1/chassis?sort_key=extra")).status).toBe(400);
  expect((await tc.api("GET", "/v1/chassis?limit=0")).status).toBe(400);
  expect((await tc.api("GET", `/v1/chassis/${a.json.uuid}?fields=bogus`)).status).toBe(400);
  r = await tc.api("GET", "/v1/chassis/1be26c0b-03f2-4d2e-ae87-c02d7f33c123");
  expect([r.status, fault(r)]).toEqual([404, "Chassis 1be26c0b-03f2-4d2e-ae87-c02d7f33c123 could not be found."]);
  expect((await tc.api("POST", "/v1/chassis", { bogus: 1 })).status).toBe(400);
  r = await tc.api("PATCH", `/v1/chassis/${a.json.uuid}`, [{ op: "replace", path: "/description", value: "rack A" }, { op: "add", path: "/extra/col", value: 2 }]);
  expect([r.status, r.json.description, r.json.extra]).toEqual([200, "rack A", { row: 1, col: 2 }]);

  // A node must name an existing chassis; a chassis with nodes cannot be deleted.
  r = await tc.api("POST", "/v1/nodes", { name: "ch-n1", driver: "fake-hardware", chassis_uuid: "1be26c0b-03f2-4d2e-ae87-c02d7f33c123" });
  expect(r.status).toBe(400);
  r = await tc.api("POST", "/v1/nodes", { name: "ch-n1", driver: "fake-hardware", chassis_uuid: a.json.uuid });
  expect(r.status).toBe(201);
  r = await tc.api("PATCH", "/v1/nodes/ch-n1", [{ op: "replace", path: "/chassis_uuid", value: "1be26c0b-03f2-4d2e-ae87-c02d7f33c124" }]);
  expect(r.status).toBe(400);
  r = await tc.api("GET", `/v1/chassis/${a.json.uuid}/nodes`);
  expect(r.json.nodes.map((n: any) => n.name)).toEqual(["ch-n1"]);
  r = await tc.api("DELETE", `/v1/chassis/${a.json.uuid}`);
  expect([r.status, fault(r)]).toEqual([400, `Cannot complete the requested action because chassis ${a.json.uuid} contains nodes.`]);
  expect((await tc.api("DELETE", `/v1/chassis/${b.json.uuid}`)).status).toBe(204);
  expect((await tc.api("GET", `/v1/chassis/${b.json.uuid}`)).status).toBe(404);
});

test("portgroups: gate, create, MAC and name conflicts, member ports, delete", async () => {
  await tc.api("POST", "/v1/nodes", { name: "pg-n1", driver: "fake-hardware" });
  expect((await tc.api("GET", "/v1/portgroups", undefined, { "X-OpenStack-Ironic-API-Version": "1.22" })).status).toBe(404);
  let r = await tc.api("POST", "/v1/portgroups", { node_uuid: "1be26c0b-03f2-4d2e-ae87-c02d7f33c123", address: "52:54:00:aa:00:01" });
  expect([r.status, fault(r)]).toEqual([400, "Node 1be26c0b-03f2-4d2e-ae87-c02d7f33c123 could not be found."]);
  const node = (await tc.api("GET", "/v1/nodes/pg-n1")).json.uuid;
  const pg = await tc.api("POST", "/v1/portgroups", { node_uuid: node, address: "52:54:00:AA:00:01", name: "bond0" });
  expect([pg.status, pg.json.mode, pg.json.address, pg.json.standalone_ports_supported]).toEqual([201, "active-backup", "52:54:00:aa:00:01", true]);
  r = await tc.api("POST", "/v1/portgroups", { node_uuid: node, address: "52:54:00:aa:00:01" });
  expect([r.status, fault(r)]).toEqual([409, "A portgroup with MAC address 52:54:00:aa:00:01 already exists."]);
  r = await tc.api("POST", "/v1/portgroups", { node_uuid: node, name: "bond0" });
  expect([r.status, fault(r)]).toEqual([409, "A portgroup with name bond0 already exists."]);
  expect((await tc.api("GET", "/v1/portgroups/bond0")).json.uuid).toBe(pg.json.uuid);
  r = await tc.api("GET", "/v1/portgroups/bond0?fields=mode", undefined, { "X-OpenStack-Ironic-API-Version": "1.25" });
  expect(r.status).toBe(406);
  const port = await tc.api("POST", "/v1/ports", { node_uuid: node, address: "52:54:00:aa:00:01", portgroup_uuid: pg.json.uuid });
  expect([port.status, port.json.portgroup_uuid]).toEqual([201, pg.json.uuid]);
  r = await tc.api("GET", `/v1/portgroups/${pg.json.uuid}/ports`);
  expect(r.json.ports.map((p: any) => p.uuid)).toEqual([port.json.uuid]);
  r = await tc.api("GET", "/v1/nodes/pg-n1/portgroups");
  expect(r.json.portgroups.map((p: any) => p.name)).toEqual(["bond0"]);
  r = await tc.api("PATCH", "/v1/portgroups/bond0", [{ op: "replace", path: "/mode", value: "802.3ad" }, { op: "add", path: "/properties/miimon", value: "100" }]);
  expect([r.status, r.json.mode, r.json.properties]).toEqual([200, "802.3ad", { miimon: "100" }]);
  r = await tc.api("DELETE", "/v1/portgroups/bond0");
  expect([r.status, fault(r)]).toEqual([400, `Cannot complete the requested action because portgroup ${pg.json.uuid} contains ports.`]);
  r = await tc.api("PATCH", `/v1/ports/${port.json.uuid}`, [{ op: "remove", path: "/portgroup_uuid" }]);
  expect([r.status, r.json.portgroup_uuid]).toEqual([200, null]);
  expect((await tc.api("DELETE", "/v1/portgroups/bond0")).status).toBe(204);
});

test("portgroups page by name with unnamed ones included (NULL-safe markers), both directions", async () => {
  const node = (await tc.api("POST", "/v1/nodes", { name: "pg-page", driver: "fake-hardware" })).json.uuid;
  const names = ["b", null, "a", null, "c"];
  const made: string[] = [];
  for (const [i, name] of names.entries()) made.push((await tc.api("POST", "/v1/portgroups", { node_uuid: node, name, address: `52:54:00:bb:00:0${i}` })).json.uuid);
  for (const dir of ["asc", "desc"]) {
    const seen: string[] = [];
    let url: string | undefined = `/v1/nodes/${node}/portgroups?limit=2&sort_key=name&sort_dir=${dir}`;
    while (url) {
      const r = await tc.api("GET", url);
      seen.push(...r.json.portgroups.map((p: any) => p.uuid));
      url = r.json.next?.slice(tc.url.length);
    }
    expect({ dir, seen: seen.sort() }).toEqual({ dir, seen: [...made].sort() });
  }
  // A node's deletion takes its portgroups and their member ports with it.
  await tc.api("POST", "/v1/ports", { node_uuid: node, address: "52:54:00:bb:01:01", portgroup_uuid: made[0] });
  expect((await tc.api("DELETE", "/v1/nodes/pg-page")).status).toBe(204);
  expect((await tc.api("GET", `/v1/portgroups/${made[0]}`)).status).toBe(404);
  expect((await tc.api("GET", "/v1/ports?address=52:54:00:bb:01:01")).json.ports).toEqual([]);
});

test("allocations: picks a matching available node, fails with Ironic's last_error, frees the node on delete", async () => {
  expect((await tc.api("GET", "/v1/allocations", undefined, { "X-OpenStack-Ironic-API-Version": "1.51" })).status).toBe(404);
  expect((await tc.api("POST", "/v1/allocations", { resource_class: "x" }, { "X-OpenStack-Ironic-API-Version": "1.51" })).status).toBe(405);
  let r = await tc.api("POST", "/v1/allocations", {});
  expect([r.status, fault(r)]).toEqual([400, "The resource_class field is mandatory when not backfilling"]);
  r = await tc.api("POST", "/v1/allocations", { resource_class: "gold", name: "a-none" });
  expect([r.status, r.json.state, r.json.last_error, r.json.node_uuid]).toEqual([201, "error", `Failed to process allocation ${r.json.uuid}: no available nodes match the resource class gold.`, null]);

  await tc.api("POST", "/v1/nodes", { name: "al-n1", driver: "fake-hardware", resource_class: "gold" });
  await tc.api("PUT", "/v1/nodes/al-n1/states/provision", { target: "manage" });
  await tc.waitFor("al-n1", (n) => n.provision_state === "manageable");
  await tc.api("PUT", "/v1/nodes/al-n1/states/provision", { target: "provide" });
  const node = await tc.waitFor("al-n1", (n) => n.provision_state === "available", 30_000);
  r = await tc.api("POST", "/v1/allocations", { resource_class: "gold", traits: ["CUSTOM_GPU"] });
  expect(r.json.last_error).toBe(`Failed to process allocation ${r.json.uuid}: no suitable nodes have the requested traits CUSTOM_GPU.`);
  expect((await tc.api("POST", "/v1/allocations", { resource_class: "gold", traits: ["lowercase"] })).status).toBe(400);

  const a = await tc.api("POST", "/v1/allocations", { resource_class: "gold", name: "web-1", extra: { k: "v" } });
  expect([a.status, a.json.state, a.json.node_uuid]).toEqual([201, "active", node.uuid]);
  let n = (await tc.api("GET", "/v1/nodes/al-n1")).json;
  expect([n.instance_uuid, n.allocation_uuid]).toEqual([a.json.uuid, a.json.uuid]);
  r = await tc.api("POST", "/v1/allocations", { resource_class: "gold", name: "web-1" });
  expect([r.status, fault(r)]).toEqual([409, "An allocation with name web-1 already exists."]);
  expect((await tc.api("GET", "/v1/nodes/al-n1/allocation")).json.uuid).toBe(a.json.uuid);
  r = await tc.api("GET", "/v1/allocations?state=active&fields=uuid,node_uuid");
  expect(r.json.allocations).toEqual([{ uuid: a.json.uuid, node_uuid: node.uuid, links: a.json.links }]);
  expect((await tc.api("GET", "/v1/allocations?limit=1")).json.next).toBeDefined();
  r = await tc.api("PATCH", "/v1/allocations/web-1", [{ op: "add", path: "/extra/k2", value: 1 }]);
  expect(r.json.extra).toEqual({ k: "v", k2: 1 });
  expect((await tc.api("PATCH", "/v1/allocations/web-1", [{ op: "replace", path: "/resource_class", value: "x" }])).status).toBe(400);
  expect((await tc.api("PATCH", "/v1/allocations/web-1", [{ op: "add", path: "/extra/x", value: 1 }], { "X-OpenStack-Ironic-API-Version": "1.56" })).status).toBe(405);
  expect((await tc.api("DELETE", "/v1/nodes/al-n1/allocation")).status).toBe(204);
  n = (await tc.api("GET", "/v1/nodes/al-n1")).json;
  expect([n.instance_uuid, n.allocation_uuid]).toEqual([null, null]);
  r = await tc.api("GET", "/v1/nodes/al-n1/allocation");
  expect([r.status, fault(r)]).toEqual([404, "Allocation for node al-n1 was not found"]);
  r = await tc.api("GET", "/v1/allocations/1be26c0b-03f2-4d2e-ae87-c02d7f33c123");
  expect([r.status, fault(r)]).toEqual([404, "Allocation 1be26c0b-03f2-4d2e-ae87-c02d7f33c123 could not be found."]);
}, 60_000);

test("an allocated node deployed and torn down loses its allocation, as Ironic's tear down", async () => {
  mkdirSync(join(tc.dataDir, "images"), { recursive: true });
  writeFileSync(join(tc.dataDir, "images", "os.raw"), Buffer.alloc(4096, 7));
  await tc.api("POST", "/v1/nodes", { name: "al-td", driver: "fake-hardware", resource_class: "teardown" });
  await tc.api("POST", "/v1/ports", { address: "52:54:00:ad:00:01", node_uuid: "al-td" });
  await tc.api("PUT", "/v1/nodes/al-td/states/provision", { target: "manage" });
  await tc.waitFor("al-td", (n) => n.provision_state === "manageable");
  await tc.api("PUT", "/v1/nodes/al-td/states/provision", { target: "provide" });
  await tc.waitFor("al-td", (n) => n.provision_state === "available", 30_000);
  const a = await tc.api("POST", "/v1/allocations", { resource_class: "teardown" });
  expect(a.json.state).toBe("active");
  await tc.api("PATCH", "/v1/nodes/al-td", [{ op: "add", path: "/instance_info/image_source", value: "os.raw" }]);
  const agent = await startStandInAgent({ apiUrl: tc.url, macs: ["52:54:00:ad:00:01"] });
  try {
    expect((await tc.api("PUT", "/v1/nodes/al-td/states/provision", { target: "active" })).status).toBe(202);
    await tc.waitFor("al-td", (n) => n.provision_state === "active", 60_000);
    const refused = await tc.api("DELETE", `/v1/allocations/${a.json.uuid}`);
    expect([refused.status, fault(refused)]).toEqual([409, `Cannot remove allocation ${a.json.uuid} for node ${a.json.node_uuid}, because the node is active (and maintenance mode is off)`]);
    expect((await tc.api("PUT", "/v1/nodes/al-td/states/provision", { target: "deleted" })).status).toBe(202);
    const n = await tc.waitFor("al-td", (x) => x.provision_state === "available", 60_000);
    expect([n.instance_uuid, n.allocation_uuid]).toEqual([null, null]);
    expect((await tc.api("GET", `/v1/allocations/${a.json.uuid}`)).status).toBe(404);
  } finally {
    agent.stop();
  }
}, 120_000);

test("deploy templates: trait names, step validation, patch, delete", async () => {
  expect((await tc.api("GET", "/v1/deploy_templates", undefined, { "X-OpenStack-Ironic-API-Version": "1.54" })).status).toBe(404);
  const step = { interface: "bios", step: "apply_configuration", args: { settings: [], password: "x" }, priority: 150 };
  let r = await tc.api("POST", "/v1/deploy_templates", { name: "not-a-trait", steps: [step] });
  expect(r.status).toBe(400);
  r = await tc.api("POST", "/v1/deploy_templates", { name: "CUSTOM_X", steps: [] });
  expect(r.status).toBe(400);
  r = await tc.api("POST", "/v1/deploy_templates", { name: "CUSTOM_X", steps: [{ ...step, interface: "cpu" }] });
  expect(r.status).toBe(400);
  r = await tc.api("POST", "/v1/deploy_templates", { name: "CUSTOM_X", steps: [step, step] });
  expect(r.status).toBe(400);
  expect(fault(r)).toContain("Deploy template invalid: Duplicate deploy steps. A deploy template cannot have multiple deploy steps with the same interface and step. Duplicates: interface: bios, step: apply_configuration.");
  const t = await tc.api("POST", "/v1/deploy_templates", { name: "CUSTOM_X", steps: [step] });
  expect([t.status, t.json.steps[0].args.password]).toEqual([201, "******"]);
  r = await tc.api("POST", "/v1/deploy_templates", { name: "CUSTOM_X", steps: [step] });
  expect([r.status, fault(r)]).toEqual([409, "A deploy template with name CUSTOM_X already exists."]);
  r = await tc.api("GET", "/v1/deploy_templates");
  expect(Object.keys(r.json.deploy_templates[0]).sort()).toEqual(["links", "name", "uuid"]);
  r = await tc.api("PATCH", "/v1/deploy_templates/CUSTOM_X", [{ op: "replace", path: "/name", value: "CUSTOM_Y" }]);
  expect([r.status, r.json.name]).toEqual([200, "CUSTOM_Y"]);
  expect((await tc.api("DELETE", "/v1/deploy_templates/CUSTOM_Y")).status).toBe(204);
  r = await tc.api("GET", "/v1/deploy_templates/CUSTOM_Y");
  expect([r.status, fault(r)]).toEqual([404, "Deploy template CUSTOM_Y could not be found."]);
});

test("volume connectors and targets: create, conflicts, node sub-collections, changes need power off", async () => {
  expect((await tc.api("GET", "/v1/volume", undefined, { "X-OpenStack-Ironic-API-Version": "1.31" })).status).toBe(404);
  expect(Object.keys((await tc.api("GET", "/v1/volume")).json).sort()).toEqual(["connectors", "links", "targets"]);
  const node = (await tc.api("POST", "/v1/nodes", { name: "vol-n1", driver: "fake-hardware" })).json.uuid;
  const vc = await tc.api("POST", "/v1/volume/connectors", { node_uuid: node, type: "iqn", connector_id: "iqn.2017-08.org.openstack:x" });
  expect(vc.status).toBe(201);
  let r = await tc.api("POST", "/v1/volume/connectors", { node_uuid: node, type: "iqn", connector_id: "iqn.2017-08.org.openstack:x" });
  expect([r.status, fault(r)]).toEqual([409, "A volume connector with type iqn and connector ID iqn.2017-08.org.openstack:x already exists."]);
  const vt = await tc.api("POST", "/v1/volume/targets", { node_uuid: node, volume_type: "iscsi", volume_id: "v1", boot_index: 0 });
  expect([vt.status, vt.json.properties]).toEqual([201, {}]);
  r = await tc.api("POST", "/v1/volume/targets", { node_uuid: node, volume_type: "iscsi", volume_id: "v2", boot_index: 0 });
  expect([r.status, fault(r)]).toEqual([409, "A volume target with boot index '0' for the same node already exists."]);
  expect((await tc.api("POST", "/v1/volume/targets", { node_uuid: node, volume_type: "iscsi", volume_id: "v2" })).status).toBe(400);
  r = await tc.api("GET", "/v1/nodes/vol-n1/volume/targets");
  expect(r.json.targets.map((t: any) => t.uuid)).toEqual([vt.json.uuid]);
  r = await tc.api("GET", "/v1/volume/connectors");
  expect(Object.keys(r.json.connectors[0]).sort()).toEqual(["connector_id", "links", "node_uuid", "type", "uuid"]);
  // The node has no power state yet (enroll): Ironic refuses updates unless it is powered off.
  r = await tc.api("PATCH", `/v1/volume/targets/${vt.json.uuid}`, [{ op: "replace", path: "/boot_index", value: 1 }]);
  expect(r.status).toBe(400);
  await tc.api("PUT", "/v1/nodes/vol-n1/states/provision", { target: "manage" });
  await tc.waitFor("vol-n1", (n) => n.provision_state === "manageable");
  await tc.api("PUT", "/v1/nodes/vol-n1/states/power", { target: "power off" });
  await tc.waitFor("vol-n1", (n) => n.power_state === "power off");
  r = await tc.api("PATCH", `/v1/volume/targets/${vt.json.uuid}`, [{ op: "replace", path: "/boot_index", value: 1 }]);
  expect([r.status, r.json.boot_index]).toEqual([200, 1]);
  expect((await tc.api("DELETE", `/v1/volume/connectors/${vc.json.uuid}`)).status).toBe(204);
  r = await tc.api("GET", `/v1/volume/connectors/${vc.json.uuid}`);
  expect([r.status, fault(r)]).toEqual([404, `Volume connector ${vc.json.uuid} could not be found.`]);
});

test("conductors and events", async () => {
  expect((await tc.api("GET", "/v1/conductors", undefined, { "X-OpenStack-Ironic-API-Version": "1.48" })).status).toBe(404);
  let r = await tc.api("GET", "/v1/conductors");
  expect(r.json.conductors).toHaveLength(1);
  expect(Object.keys(r.json.conductors[0]).sort()).toEqual(["alive", "conductor_group", "hostname", "links"]);
  const host = r.json.conductors[0].hostname;
  r = await tc.api("GET", `/v1/conductors/${host}`);
  expect(r.json.drivers).toContain("fake-hardware");
  expect((await tc.api("GET", "/v1/conductors/nope")).status).toBe(404);
  const ev = { event: "network.bind_port", port_id: "11111111-2222-3333-4444-555555555555", mac_address: "52:54:00:00:00:01", status: "ACTIVE" };
  expect((await tc.api("POST", "/v1/events", { events: [ev] })).status).toBe(204);
  expect((await tc.api("POST", "/v1/events", { events: [{ ...ev, event: "network.other" }] })).status).toBe(400);
  expect((await tc.api("POST", "/v1/events", { events: [ev] }, { "X-OpenStack-Ironic-API-Version": "1.53" })).status).toBe(404);
});
