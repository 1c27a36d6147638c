/**
 * The node list's child-node rules (1.83, newer than the Ironic 21.4 the differential tests
 * run against, so checked here on Teeth alone, against Ironic's source): a child node
 * (`parent_node` set) is left out of every list unless `include_children=True`;
 * `parent_node=<uuid>` lists that node's children; both are 406 below 1.83. The other
 * filters are compared with real Ironic in test/ironic/node-list-diff.test.ts.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { parseIronicError } from "../../protocol/ironic-api.ts";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";

let tc: TestConductor;
const V83 = { "X-OpenStack-Ironic-API-Version": "1.83" };
const V82 = { "X-OpenStack-Ironic-API-Version": "1.82" };
let parent = "";
let child = "";
let other = "";

beforeAll(async () => {
  tc = await startTestConductor();
  const make = async (name: string, extra: Record<string, unknown> = {}) => {
    const r = await tc.api("POST", "/v1/nodes", { name, driver: "fake-hardware", ...extra }, V83);
    expect(r.status).toBe(201);
    return r.json.uuid as string;
  };
  parent = await make("p");
  child = await make("p-child", { parent_node: "p" });
  other = await make("q");
});
afterAll(() => tc.destroy());

const names = async (path: string, headers = V83) => {
  const r = await tc.api("GET", path, undefined, headers);
  expect({ path, status: r.status }).toEqual({ path, status: 200 });
  return (r.json.nodes as { name: string }[]).map((n) => n.name).sort();
};

test("a child node is left out of the list, at any version, unless include_children=True", async () => {
  expect(await names("/v1/nodes?fields=name")).toEqual(["p", "q"]);
  expect(await names("/v1/nodes?fields=name", V82)).toEqual(["p", "q"]);
  expect(await names("/v1/nodes/detail")).toEqual(["p", "q"]);
  expect(await names("/v1/nodes?fields=name&include_children=True")).toEqual(["p", "p-child", "q"]);
  expect(await names("/v1/nodes?fields=name&include_children=false")).toEqual(["p", "q"]);
  expect((await tc.api("GET", `/v1/nodes/${parent}/children`, undefined, V83)).json).toEqual({ children: [child] });
});

test("parent_node= lists that node's children (by UUID, as stored); with other filters too", async () => {
  expect(await names(`/v1/nodes?fields=name&parent_node=${parent}`)).toEqual(["p-child"]);
  expect(await names(`/v1/nodes/detail?parent_node=${parent}&provision_state=enroll`)).toEqual(["p-child"]);
  expect(await names(`/v1/nodes?fields=name&parent_node=${other}`)).toEqual([]);
  // Ironic compares the parameter with the stored UUID: a parent's name finds nothing.
  expect(await names("/v1/nodes?fields=name&parent_node=p")).toEqual([]);
  // include_children wins: every node, the filter on the parent is not applied.
  expect(await names(`/v1/nodes?fields=name&parent_node=${other}&include_children=yes`)).toEqual(["p", "p-child", "q"]);
});

test("below 1.83 both are Ironic's 406 naming 1.83; a bad boolean is a 400 first", async () => {
  for (const q of [`parent_node=${parent}`, "include_children=true"]) {
    const r = await tc.api("GET", `/v1/nodes?${q}`, undefined, V82);
    expect([q, r.status, parseIronicError(r.text)]).toEqual([q, 406, "Request not acceptable. The minimal required API version should be 1.83"]);
  }
  const r = await tc.api("GET", "/v1/nodes?include_children=sometimes", undefined, V82);
  expect([r.status, parseIronicError(r.text)]).toEqual([400, "Invalid include_children: Unrecognized value 'sometimes', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'"]);
});

test("the chassis node list leaves children out too", async () => {
  const ch = await tc.api("POST", "/v1/chassis", {}, V83);
  expect(ch.status).toBe(201);
  for (const uuid of [parent, child]) {
    const p = await tc.api("PATCH", `/v1/nodes/${uuid}`, [{ op: "add", path: "/chassis_uuid", value: ch.json.uuid }], V83);
    expect(p.status).toBe(200);
  }
  const r = await tc.api("GET", `/v1/chassis/${ch.json.uuid}/nodes`, undefined, V83);
  expect((r.json.nodes as { uuid: string }[]).map((n) => n.uuid)).toEqual([parent]);
  expect(await names(`/v1/nodes?fields=name&chassis_uuid=${ch.json.uuid}&include_children=1`)).toEqual(["p", "p-child"]);
});

test("a conductor serving a group takes nodes of that group only, stores it lower-cased, lists by it", async () => {
  const grouped = await startTestConductor({ conductor_group: "Rack-A.1" });
  try {
    const made = await grouped.api("POST", "/v1/nodes", { driver: "fake-hardware", conductor_group: "RACK-a.1" }, V83);
    expect([made.status, made.json.conductor_group]).toEqual([201, "rack-a.1"]);
    // Ironic's hash ring has no conductor for the default group here either.
    for (const group of [undefined, "", "rack-b"]) {
      const r = await grouped.api("POST", "/v1/nodes", { driver: "fake-hardware", ...(group === undefined ? {} : { conductor_group: group }) }, V83);
      expect([group, r.status, parseIronicError(r.text)]).toEqual([group, 400, `No valid host was found. Reason: No conductor service registered which supports driver fake-hardware for conductor group "${group ?? ""}".`]);
    }
    const p = await grouped.api("PATCH", `/v1/nodes/${made.json.uuid}`, [{ op: "replace", path: "/conductor_group", value: "Rack-B" }], V83);
    expect([p.status, parseIronicError(p.text)]).toEqual([400, 'No valid host was found. Reason: No conductor service registered which supports driver fake-hardware for conductor group "rack-b".']);
    const list = await grouped.api("GET", "/v1/nodes?fields=uuid,conductor_group&conductor_group=rack-a.1", undefined, V83);
    expect(list.json.nodes).toEqual([{ uuid: made.json.uuid, conductor_group: "rack-a.1", links: list.json.nodes[0].links }]);
    expect((await grouped.api("GET", "/v1/conductors?fields=conductor_group", undefined, V83)).json.conductors[0].conductor_group).toBe("rack-a.1");
  } finally {
    await grouped.destroy();
  }
});
