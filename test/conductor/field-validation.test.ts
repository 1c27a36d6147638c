/**
 * Node and port fields validated as Ironic validates them, on create and on JSON-patch alike:
 * names (logical, not UUID-like, not reserved), UUIDs, booleans, bounded strings, dicts,
 * conductor groups, local_link_connection. Refusals are 400s in Ironic's error body.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";

let tc: TestConductor;
let uuid: string;
let portUuid: string;
beforeAll(async () => {
  tc = await startTestConductor();
  uuid = (await tc.api("POST", "/v1/nodes", { name: "fv", driver: "fake-hardware" })).json.uuid;
  portUuid = (await tc.api("POST", "/v1/ports", { address: "52:54:00:fa:00:01", node_uuid: uuid })).json.uuid;
});
afterAll(() => tc.stop());

function fault(r: { status: number; json: any }): string {
  expect(r.status).toBe(400);
  const f = JSON.parse(r.json.error_message);
  expect(f).toMatchObject({ faultcode: "Client", debuginfo: null });
  return f.faultstring;
}

const UUIDISH = ["9a4c0ae8-43c6-4a3a-a7e8-59c8e4f0d2a1", "9A4C0AE843C64A3AA7E859C8E4F0D2A1", "9a4c0ae8-43c6-4a3a-a7e8-59c8e4f0d2a-1"];
const BAD_NAMES = [...UUIDISH, ".", "..", "detail", "a b", "a/b", "", "x".repeat(256), "naïve", "a:b"];

test("names that look like UUIDs, '.', '..', reserved words and bad characters are refused on create and patch", async () => {
  for (const name of BAD_NAMES) {
    const created = await tc.api("POST", "/v1/nodes", { name, driver: "fake-hardware" });
    expect({ name, status: created.status }).toEqual({ name, status: 400 });
    fault(created);
    const patched = await tc.api("PATCH", `/v1/nodes/${uuid}`, [{ op: "replace", path: "/name", value: name }]);
    expect({ name, status: patched.status }).toEqual({ name, status: 400 });
  }
  expect(fault(await tc.api("POST", "/v1/nodes", { name: UUIDISH[0], driver: "fake-hardware" }))).toContain("does not look like a UUID");
  expect((await tc.api("GET", `/v1/nodes/${uuid}`)).json.name).toBe("fv");
  expect((await tc.api("GET", "/v1/nodes")).json.nodes).toHaveLength(1);
});

test("a UUID-like name can no longer be captured by a later node with that UUID", async () => {
  const target = UUIDISH[0]!;
  expect((await tc.api("POST", "/v1/nodes", { name: target, driver: "fake-hardware" })).status).toBe(400);
  const later = await tc.api("POST", "/v1/nodes", { uuid: target, driver: "fake-hardware" });
  expect(later.status).toBe(201);
  expect((await tc.api("GET", `/v1/nodes/${target}`)).json.uuid).toBe(target);
  await tc.api("DELETE", `/v1/nodes/${target}`);
});

test("valid logical names are accepted", async () => {
  for (const name of ["web-1", "Rack_3.node~7", "a", "x".repeat(255), "0123456789abcdef0123456789abcde"]) {
    const r = await tc.api("POST", "/v1/nodes", { name, driver: "fake-hardware" });
    expect({ name, status: r.status }).toEqual({ name, status: 201 });
    await tc.api("DELETE", `/v1/nodes/${r.json.uuid}`);
  }
});

const BAD_FIELDS: [string, unknown, string][] = [
  ["instance_uuid", "not a uuid <script>", "Expected UUID for instance_uuid"],
  ["instance_uuid", 5, "Expected UUID for instance_uuid"],
  ["chassis_uuid", "x", "Expected UUID for chassis_uuid"],
  ["automated_clean", {}, "Invalid automated_clean"],
  ["automated_clean", "maybe", "Invalid automated_clean"],
  ["automated_clean", 1, "Invalid automated_clean"],
  ["resource_class", "r".repeat(81), "Invalid resource_class"],
  ["resource_class", 7, "Expected string for resource_class"],
  ["owner", { a: 1 }, "Expected string for owner"],
  ["lessee", "l".repeat(256), "Invalid lessee"],
  ["description", "d".repeat(4097), "Invalid description"],
  ["conductor_group", "has space", "Invalid conductor_group"],
  ["conductor_group", 3, "Invalid conductor_group"],
  ["network_data", [], "Expected a dictionary for network_data"],
  ["network_data", "links", "Expected a dictionary for network_data"],
  ["extra", [1], "Expected a dictionary for extra"],
  ["properties", "p", "Expected a dictionary for properties"],
  ["driver_info", 1, "Expected a dictionary for driver_info"],
  ["instance_info", true, "Expected a dictionary for instance_info"],
  ["boot_interface", 1, "Expected string for boot_interface"],
  ["shard", [], "Expected string for shard"],
];

test("every typed node field is validated the same way on create and on patch", async () => {
  for (const [field, value, message] of BAD_FIELDS) {
    const created = await tc.api("POST", "/v1/nodes", { driver: "fake-hardware", [field]: value });
    expect({ field, value, status: created.status }).toEqual({ field, value, status: 400 });
    expect(fault(created)).toContain(message);
    const patched = await tc.api("PATCH", `/v1/nodes/${uuid}`, [{ op: "add", path: `/${field}`, value }]);
    expect({ field, value, status: patched.status }).toEqual({ field, value, status: 400 });
    expect(fault(patched)).toContain(message);
  }
  const node = (await tc.api("GET", `/v1/nodes/${uuid}`)).json;
  expect(node.instance_uuid).toBeNull();
  expect(node.automated_clean).toBeNull();
  expect(node.extra).toEqual({});
});

test("values Ironic accepts are stored as Ironic stores them", async () => {
  const ok = await tc.api("PATCH", `/v1/nodes/${uuid}`, [
    { op: "add", path: "/automated_clean", value: "yes" },
    { op: "add", path: "/instance_uuid", value: "5d0c1c34-7f0c-4c2d-9d7b-0a1b2c3d4e5f" },
    { op: "add", path: "/conductor_group", value: "" },
    { op: "add", path: "/description", value: "d".repeat(4096) },
    { op: "add", path: "/resource_class", value: "baremetal" },
  ]);
  expect(ok.status).toBe(200);
  expect(ok.json).toMatchObject({ automated_clean: true, instance_uuid: "5d0c1c34-7f0c-4c2d-9d7b-0a1b2c3d4e5f", conductor_group: "", resource_class: "baremetal" });
  const created = await tc.api("POST", "/v1/nodes", { driver: "fake-hardware", automated_clean: "false", conductor_group: "" });
  expect(created.status).toBe(201);
  // A named group is lower-cased when stored: test/conductor/node-list-filters.test.ts (it needs a conductor serving it).
  expect(created.json).toMatchObject({ automated_clean: false, conductor_group: "" });
  await tc.api("DELETE", `/v1/nodes/${created.json.uuid}`);
  await tc.api("PATCH", `/v1/nodes/${uuid}`, [{ op: "remove", path: "/instance_uuid" }, { op: "remove", path: "/automated_clean" }]);
});

const BAD_PORT_FIELDS: [string, unknown, string][] = [
  ["address", "zz:zz", "address"],
  ["pxe_enabled", "sometimes", "Invalid pxe_enabled"],
  ["pxe_enabled", {}, "Invalid pxe_enabled"],
  ["extra", [], "Expected a dictionary for extra"],
  ["local_link_connection", { port_id: "Gig0/1" }, "Invalid local_link_connection"],
  ["local_link_connection", { port_id: "Gig0/1", switch_id: "not-a-mac" }, "Invalid local_link_connection"],
  ["local_link_connection", { evil: "<script>" }, "Invalid local_link_connection"],
  ["local_link_connection", { port_id: 1, switch_id: "52:54:00:00:00:01" }, "Invalid local_link_connection"],
  ["local_link_connection", { network_type: "weird" }, "Invalid local_link_connection"],
  ["local_link_connection", "x", "Invalid local_link_connection"],
  ["physical_network", "p".repeat(65), "Invalid physical_network"],
  ["name", "9a4c0ae8-43c6-4a3a-a7e8-59c8e4f0d2a1", "does not look like a UUID"],
  ["name", "..", "reserved"],
];

test("port fields: create and patch refuse the same values, with Ironic's kind of message", async () => {
  let mac = 0x10;
  for (const [field, value, message] of BAD_PORT_FIELDS) {
    const body: Record<string, unknown> = { address: `52:54:00:fa:01:${(mac++).toString(16)}`, node_uuid: uuid, [field]: value };
    const created = await tc.api("POST", "/v1/ports", body);
    expect({ field, value, status: created.status }).toEqual({ field, value, status: 400 });
    expect(fault(created)).toContain(message);
    const patched = await tc.api("PATCH", `/v1/ports/${portUuid}`, [{ op: "replace", path: `/${field}`, value }]);
    expect({ field, value, status: patched.status }).toEqual({ field, value, status: 400 });
    expect(fault(patched)).toContain(message);
  }
  const ok = await tc.api("PATCH", `/v1/ports/${portUuid}`, [
    { op: "replace", path: "/pxe_enabled", value: "false" },
    { op: "replace", path: "/local_link_connection", value: { port_id: "Gig0/1", switch_id: "52:54:00:00:00:01", switch_info: "tor-1" } },
  ]);
  expect(ok.status).toBe(200);
  expect(ok.json).toMatchObject({ pxe_enabled: false, local_link_connection: { port_id: "Gig0/1" } });
  expect((await tc.api("GET", "/v1/ports")).json.ports).toHaveLength(1);
});
