/**
 * Microversions as Ironic: negotiation up to 1.89, fields per version, newer fields, verbs and
 * `fields=` refused, trailing slashes, port show `fields`, maintenance/retired PATCH rules.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";

let tc: TestConductor;
const v = (minor: number | string) => ({ "X-OpenStack-Ironic-API-Version": typeof minor === "number" ? `1.${minor}` : minor });
const fault = (r: { json: any }) => {
  const inner = JSON.parse(r.json.error_message);
  return (inner.faultstring ?? inner.description) as string;
};

beforeAll(async () => {
  tc = await startTestConductor({ cleaning: { automated_clean: false } });
});
afterAll(() => tc.destroy());

test("negotiation: 1.89 is the maximum, latest is 1.89, out of range and malformed are 406 with Ironic's words", async () => {
  const root = await tc.api("GET", "/");
  expect(root.json.default_version).toMatchObject({ min_version: "1.1", version: "1.89" });
  const latest = await fetch(`${tc.url}/v1/nodes`, { headers: v("latest") });
  expect(latest.headers.get("X-OpenStack-Ironic-API-Version")).toBe("1.89");
  expect(latest.headers.get("X-OpenStack-Ironic-API-Maximum-Version")).toBe("1.89");
  const generic = await fetch(`${tc.url}/v1/nodes`, { headers: { "OpenStack-API-Version": "baremetal 1.65" } });
  expect(generic.headers.get("X-OpenStack-Ironic-API-Version")).toBe("1.65");
  const high = await tc.api("GET", "/v1/nodes", undefined, v(90));
  expect(high.status).toBe(406);
  expect(fault(high)).toBe("Version 1.90 was requested but the minor version is not supported by this service. The supported version range is: [1.1, 1.89].");
  const bad = await tc.api("GET", "/v1/nodes", undefined, v("1.x"));
  expect([bad.status, fault(bad)]).toEqual([406, "Invalid value for X-OpenStack-Ironic-API-Version header"]);
  const major = await tc.api("GET", "/v1/nodes", undefined, v("2.1"));
  expect(major.status).toBe(406);
  expect(fault(major)).toStartWith("Mutually exclusive versions requested. Version 2.1");
});

test("a node carries only the fields of the requested version", async () => {
  const created = await tc.api("POST", "/v1/nodes", { name: "mv1", driver: "fake-hardware" });
  expect(created.status).toBe(201);
  // By UUID: before 1.5 nodes have no names (a name is the node's 404, as Ironic).
  const at = async (minor: number) => (await tc.api("GET", `/v1/nodes/${created.json.uuid}`, undefined, v(minor))).json;
  expect((await tc.api("GET", "/v1/nodes/mv1", undefined, v(4))).status).toBe(404);
  const n1 = await at(1);
  for (const f of ["name", "driver_internal_info", "clean_step", "boot_interface", "traits", "owner", "lessee", "shard", "parent_node"]) expect(n1).not.toHaveProperty(f);
  expect(n1).toHaveProperty("driver_info");
  const n50 = await at(50);
  expect(n50).toHaveProperty("owner");
  expect(n50).toHaveProperty("boot_interface");
  for (const f of ["description", "allocation_uuid", "retired", "lessee", "network_data", "boot_mode", "shard", "parent_node", "firmware_interface"]) expect(n50).not.toHaveProperty(f);
  const n82 = await at(82);
  expect(n82).toHaveProperty("shard");
  for (const f of ["parent_node", "firmware_interface", "service_step"]) expect(n82).not.toHaveProperty(f);
  const n89 = await at(89);
  for (const f of ["parent_node", "firmware_interface", "service_step"]) expect(n89).toHaveProperty(f);
});

test("fields= naming a newer field is 406, an unknown one 400, fields before 1.8 406", async () => {
  expect((await tc.api("GET", "/v1/nodes/mv1?fields=uuid,lessee", undefined, v(64))).status).toBe(406);
  expect((await tc.api("GET", "/v1/nodes?fields=uuid,lessee", undefined, v(65))).status).toBe(200);
  expect((await tc.api("GET", "/v1/nodes?fields=uuid", undefined, v(7))).status).toBe(406);
  const unknown = await tc.api("GET", "/v1/nodes?fields=uuid,bogus");
  expect([unknown.status, fault(unknown)]).toEqual([400, 'Field(s) "bogus" are not valid']);
  expect((await tc.api("GET", "/v1/nodes?detail=True", undefined, v(42))).status).toBe(400);
});

test("newer fields in a create or patch and newer verbs are 406", async () => {
  expect((await tc.api("POST", "/v1/nodes", { driver: "fake-hardware", lessee: "p" }, v(64))).status).toBe(406);
  expect((await tc.api("POST", "/v1/nodes", { driver: "fake-hardware", conductor_group: "" }, v(45))).status).toBe(201);
  expect((await tc.api("PATCH", "/v1/nodes/mv1", [{ op: "add", path: "/shard", value: "s1" }], v(81))).status).toBe(406);
  expect((await tc.api("PATCH", "/v1/nodes/mv1", [{ op: "add", path: "/shard", value: "s1" }], v(82))).status).toBe(200);
  const mv1 = (await tc.api("GET", "/v1/nodes/mv1")).json.uuid;
  expect((await tc.api("PUT", `/v1/nodes/${mv1}/states/provision`, { target: "manage" }, v(3))).status).toBe(406);
});

test("parent_node (1.83) names an existing node and is stored as its UUID", async () => {
  const child = await tc.api("POST", "/v1/nodes", { name: "mv-child", driver: "fake-hardware", parent_node: "mv1" });
  expect(child.status).toBe(201);
  const parent = (await tc.api("GET", "/v1/nodes/mv1")).json;
  expect(child.json.parent_node).toBe(parent.uuid);
  expect((await tc.api("POST", "/v1/nodes", { driver: "fake-hardware", parent_node: "mv1" }, v(82))).status).toBe(406);
  expect((await tc.api("PATCH", "/v1/nodes/mv-child", [{ op: "replace", path: "/parent_node", value: "nope" }])).status).toBe(404);
});

test("ports: name from 1.88, fields on show, /detail, trailing slashes on collections", async () => {
  const node = (await tc.api("GET", "/v1/nodes/mv1")).json;
  const port = await tc.api("POST", "/v1/ports", { address: "52:54:00:77:00:01", node_uuid: node.uuid, name: "p1" });
  expect(port.status).toBe(201);
  expect((await tc.api("POST", "/v1/ports", { address: "52:54:00:77:00:02", node_uuid: node.uuid, name: "p2" }, v(87))).status).toBe(406);
  const old = (await tc.api("GET", `/v1/ports/${port.json.uuid}`, undefined, v(53))).json;
  expect(old).toHaveProperty("is_smartnic");
  expect(old).not.toHaveProperty("name");
  expect((await tc.api("GET", `/v1/ports/${port.json.uuid}`, undefined, v(33))).json).not.toHaveProperty("physical_network");
  const shown = await tc.api("GET", `/v1/ports/${port.json.uuid}?fields=uuid,address`);
  expect(Object.keys(shown.json).sort()).toEqual(["address", "uuid"]);
  const detail = await tc.api("GET", "/v1/ports/detail");
  expect(detail.json.ports[0]).toHaveProperty("node_uuid");
  const slash = await tc.api("GET", "/v1/nodes/?fields=uuid,name");
  expect(slash.status).toBe(200);
  expect(Object.keys(slash.json.nodes[0]).sort()).toEqual(["name", "uuid"]);
  expect((await tc.api("GET", "/v1/ports/")).status).toBe(200);
});

test("PATCH maintenance (string booleans too) and retired with Ironic's state rules", async () => {
  expect((await tc.api("PUT", "/v1/nodes/mv1/maintenance", { reason: "why" })).status).toBe(202);
  const m = await tc.api("PATCH", "/v1/nodes/mv1", [{ op: "replace", path: "/maintenance", value: "true" }]);
  expect(m.status).toBe(200);
  expect([m.json.maintenance, m.json.maintenance_reason]).toEqual([true, "why"]);
  const reasonPatch = await tc.api("PATCH", "/v1/nodes/mv1", [{ op: "add", path: "/maintenance_reason", value: "x" }]);
  expect(reasonPatch.status).toBe(400);
  expect(fault(reasonPatch)).toStartWith("Cannot patch /maintenance_reason. Only the following can be updated: automated_clean, bios_interface,");
  const off = await tc.api("PATCH", "/v1/nodes/mv1", [{ op: "replace", path: "/maintenance", value: false }]);
  expect([off.json.maintenance, off.json.maintenance_reason]).toEqual([false, null]);
  const reason = await tc.api("PATCH", "/v1/nodes/mv1", [{ op: "add", path: "/retired_reason", value: "old" }]);
  expect([reason.status, fault(reason)]).toEqual([400, "The retired_reason field can only be set when retired is True"]);
  await tc.enroll("mv-avail", "52:54:00:77:00:09");
  expect((await tc.api("PUT", "/v1/nodes/mv-avail/states/provision", { target: "provide" })).status).toBe(202);
  await tc.waitFor("mv-avail", (n) => n.provision_state === "available", 20_000);
  const inAvailable = await tc.api("PATCH", "/v1/nodes/mv-avail", [{ op: "replace", path: "/retired", value: true }]);
  expect(inAvailable.status).toBe(409);
  expect(fault(inAvailable)).toContain("can not have 'retired' set in provision state 'available'");
  const retired = await tc.api("PATCH", "/v1/nodes/mv1", [{ op: "replace", path: "/retired", value: "True" }, { op: "add", path: "/retired_reason", value: "old" }]);
  expect([retired.status, retired.json.retired, retired.json.retired_reason]).toEqual([200, true, "old"]);
  expect((await tc.api("PUT", "/v1/nodes/mv1/states/provision", { target: "provide" })).status).toBe(400);
  const back = await tc.api("PATCH", "/v1/nodes/mv1", [{ op: "replace", path: "/retired", value: false }]);
  expect([back.json.retired, back.json.retired_reason]).toEqual([false, null]);
}, 30_000);
