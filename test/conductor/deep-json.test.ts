/**
 * Deeply nested JSON: refused with a 400 at parse time in every body-taking endpoint, before
 * anything recurses over it; a node can never be stored so deep that listing it breaks.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { MAX_JSON_DEPTH } from "../../common/json-depth.ts";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";

let tc: TestConductor;
let uuid: string;
let portUuid: string;
beforeAll(async () => {
  tc = await startTestConductor();
  uuid = (await tc.api("POST", "/v1/nodes", { name: "deep", driver: "fake-hardware" })).json.uuid;
  portUuid = (await tc.api("POST", "/v1/ports", { address: "52:54:00:de:ee:01", node_uuid: uuid })).json.uuid;
});
afterAll(() => tc.stop());

/** `{"a":{"a":...{}}}` nesting `depth` objects. */
const objects = (depth: number) => '{"a":'.repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
/** `[[[...]]]` nesting `depth` arrays. */
const arrays = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
/** Alternating arrays and objects, with bracket-laden strings on the way. */
const mixed = (depth: number) => {
  let s = "1";
  for (let i = 0; i < depth; i++) s = i % 2 ? `{"k[{":${s},"s":"]}]}"}` : `["{[",${s}]`;
  return s;
};

function expectIronic400(r: { status: number; json: any; text: string }, what: string) {
  expect({ what, status: r.status }).toEqual({ what, status: 400 });
  const fault = JSON.parse(r.json.error_message);
  expect(fault.faultcode).toBe("Client");
  expect(fault.faultstring).toContain("nests deeper");
}

test("an extra nested 100,000 and 40,000 deep is refused at parse time with a 400", async () => {
  for (const depth of [100_000, 40_000]) {
    const r = await tc.api("POST", "/v1/nodes", `{"driver":"fake-hardware","name":"d${depth}","extra":${objects(depth)}}`);
    expectIronic400(r, `create ${depth}`);
  }
  expect((await tc.api("GET", "/v1/nodes?fields=extra")).status).toBe(200);
  expect((await tc.api("GET", "/v1/nodes/detail")).status).toBe(200);
  expect((await tc.api("GET", "/v1/nodes")).json.nodes.map((n: any) => n.name)).toEqual(["deep"]);
});

test("every body-taking endpoint refuses nesting past the limit, in every shape", async () => {
  const hb = { "X-OpenStack-Ironic-API-Version": "1.68" };
  const inspection = { "X-OpenStack-Ironic-API-Version": "1.84" }; // continue_inspection exists from 1.84
  for (const depth of [MAX_JSON_DEPTH + 1, 1000, 100_000]) {
    // (mixed levels are longer: 40,000 of them keep the body under the 1 MiB body limit)
    for (const [shape, doc] of [["objects", objects(depth)], ["arrays", arrays(depth)], ["mixed", mixed(Math.min(depth, 40_000))]] as const) {
      const cases: [string, string, string, Record<string, string>?][] = [
        ["POST", "/v1/nodes", `{"driver":"fake-hardware","extra":${doc}}`],
        ["PATCH", `/v1/nodes/${uuid}`, `[{"op":"add","path":"/extra/x","value":${doc}}]`],
        ["PUT", `/v1/nodes/${uuid}/maintenance`, `{"reason":${doc}}`],
        ["PUT", `/v1/nodes/${uuid}/states/provision`, `{"target":"clean","clean_steps":[{"interface":"deploy","step":"x","args":${doc}}]}`],
        ["PUT", `/v1/nodes/${uuid}/states/power`, `{"target":${doc}}`],
        ["POST", "/v1/ports", `{"address":"52:54:00:de:ee:02","node_uuid":"${uuid}","extra":${doc}}`],
        ["PATCH", `/v1/ports/${portUuid}`, `[{"op":"add","path":"/extra/x","value":${doc}}]`],
        ["POST", `/v1/heartbeat/${uuid}`, `{"callback_url":"http://127.0.0.1:9999","agent_token":${doc}}`, hb],
        ["POST", "/v1/continue_inspection", `{"inventory":${doc}}`, inspection],
        ["POST", "/v1/nodes", doc],
      ];
      for (const [method, path, body, headers] of cases) expectIronic400(await tc.api(method, path, body, headers), `${method} ${path} ${shape} ${depth}`);
    }
  }
  const node = (await tc.api("GET", `/v1/nodes/${uuid}`)).json;
  expect(node.extra).toEqual({});
  expect(node.maintenance).toBe(false);
});

test("nesting at the limit is accepted, and the node lists fine", async () => {
  // The body {"extra": X} nests one deeper than X.
  const r = await tc.api("POST", "/v1/nodes", `{"driver":"fake-hardware","name":"at-limit","extra":${objects(MAX_JSON_DEPTH - 1)}}`);
  expect(r.status).toBe(201);
  expect((await tc.api("GET", "/v1/nodes/detail")).status).toBe(200);
  expect((await tc.api("GET", "/v1/nodes?fields=extra")).status).toBe(200);
  await tc.api("DELETE", "/v1/nodes/at-limit");
});

test("JSON-patch paths cannot build a document deeper than a body may be", async () => {
  // Each patch adds a level below the last; the stored extra never passes the limit.
  let path = "/extra";
  let refused = 0;
  for (let i = 0; i < MAX_JSON_DEPTH + 5; i++) {
    const r = await tc.api("PATCH", `/v1/nodes/${uuid}`, [{ op: "add", path: `${path}/a`, value: {} }]);
    if (r.status === 400) {
      refused++;
      break;
    }
    expect(r.status).toBe(200);
    path += "/a";
  }
  expect(refused).toBe(1);
  expect((await tc.api("GET", "/v1/nodes/detail")).status).toBe(200);
  await tc.api("PATCH", `/v1/nodes/${uuid}`, [{ op: "replace", path: "/extra", value: {} }]);
});
