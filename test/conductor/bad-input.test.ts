/**
 * Hostile input: >= 1,000 malformed requests to the operator and ramdisk APIs each get a 4xx
 * with Ironic's error body; none gets a 5xx; the node and the database are unchanged.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { integrityCheck } from "../../conductor/store/db.ts";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";

let tc: TestConductor;
let uuid: string;
beforeAll(async () => {
  tc = await startTestConductor();
  uuid = (await tc.api("POST", "/v1/nodes", { name: "victim", driver: "fake-hardware", driver_info: { ipmi_password: "pw" } })).json.uuid;
  await tc.api("POST", "/v1/ports", { address: "52:54:00:be:ef:01", node_uuid: uuid });
});
afterAll(() => tc.stop());

function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

const VALUES: unknown[] = [null, true, 0, -1, 1e308, "", "x".repeat(70_000), "\u0000\uffff", [], [[[]]], {}, { __proto__: { a: 1 } }, "../../etc/passwd", "' OR 1=1 --", "<script>", -0, "1.5", { $gt: "" }];

function cases(): { method: string; path: string; body?: string; headers?: Record<string, string> }[] {
  const r = rng(42);
  const pick = <T,>(a: T[]) => a[Math.floor(r() * a.length)]!;
  const out: { method: string; path: string; body?: string; headers?: Record<string, string> }[] = [];
  const bodies = () => {
    const k = pick(["driver", "name", "uuid", "driver_info", "properties", "bogus", "provision_state", "target", "address", "node_uuid", "clean_steps", "callback_url", "agent_token"]);
    return JSON.stringify({ [k]: pick(VALUES) });
  };
  for (let i = 0; i < 150; i++) out.push({ method: "POST", path: "/v1/nodes", body: bodies() });
  for (let i = 0; i < 100; i++) out.push({ method: "POST", path: "/v1/nodes", body: pick(["{", "[]", "null", "\"s\"", "1", "{\"driver\":", "\u0000", "{}".repeat(1000)]) });
  for (let i = 0; i < 150; i++) {
    const op = pick(["add", "replace", "remove", "move", "test", 5, null]);
    const path = pick(["/provision_state", "/uuid", "/driver_internal_info/x", "/extra/__proto__", "/", "", "/name", "/driver", "/properties/a/b/c", "/instance_info", "/maintenance", "/agent_token", "x"]);
    const value = pick(VALUES);
    const body = pick([JSON.stringify([{ op, path, value }]), JSON.stringify({ op, path }), "[]", JSON.stringify([{ op: "add", path: "/name", value }])]);
    out.push({ method: "PATCH", path: `/v1/nodes/${uuid}`, body });
  }
  for (let i = 0; i < 150; i++) {
    const target = pick(["deploy-now", "", null, 1, "active", "clean", "provide", "deleted", "abort", "rebuild", "inspect", "ACTIVE"]);
    out.push({ method: "PUT", path: `/v1/nodes/${uuid}/states/provision`, body: JSON.stringify({ target, clean_steps: pick([undefined, "x", [{}], [{ interface: 1 }]]), extra: pick([undefined, 1]) }) });
  }
  for (let i = 0; i < 80; i++) out.push({ method: "PUT", path: `/v1/nodes/${uuid}/states/power`, body: JSON.stringify({ target: pick(["on", "", null, "power on ", "explode", 7]) }) });
  for (let i = 0; i < 100; i++) out.push({ method: "POST", path: "/v1/ports", body: JSON.stringify({ address: pick(["zz:zz", "", "52:54:00:be:ef:01", null, "1".repeat(100), "52:54:00:be:ef:0"]), node_uuid: pick([uuid, "nope", null, 3]) }) });
  for (let i = 0; i < 80; i++) out.push({ method: "GET", path: `/v1/lookup?${pick(["", "addresses=", "addresses=zz", "node_uuid=../../", "addresses=52:54:00:be:ef:01", `node_uuid=${uuid}`, "addresses=" + "aa:".repeat(500)])}`, headers: { "X-OpenStack-Ironic-API-Version": "1.68" } });
  for (let i = 0; i < 100; i++) {
    out.push({
      method: "POST",
      path: `/v1/heartbeat/${pick([uuid, "victim", "nope", "%00", "x".repeat(300)])}`,
      body: pick([JSON.stringify({ callback_url: "http://127.0.0.1:1", agent_token: "forged".repeat(8), agent_version: "1" }), JSON.stringify({ callback_url: "not a url" }), JSON.stringify({ callback_url: "http://a", agent_token: "" }), "{", JSON.stringify({ callback_url: "http://a:1", agent_token: "t", unknown: 1 })]),
      headers: { "X-OpenStack-Ironic-API-Version": "1.68" },
    });
  }
  for (let i = 0; i < 60; i++) out.push({ method: "GET", path: "/v1/nodes", headers: { "X-OpenStack-Ironic-API-Version": pick(["2.0", "1.999", "latest-ish", "1.", "", "1.0", "banana", "1.83"]) } });
  for (let i = 0; i < 60; i++) out.push({ method: "GET", path: `/v1/nodes?${pick(["limit=-1", "limit=abc", "fields=nope", "marker=missing", "sort_key=password", "sort_dir=sideways", "detail=maybe", "fields=uuid&detail=true", "maintenance=perhaps"])}` });
  for (let i = 0; i < 40; i++) out.push({ method: pick(["GET", "DELETE", "PUT"]), path: pick(["/v1/nodes/does-not-exist", "/v1/ports/none", "/v1/nodes/x/inventory", `/v1/nodes/${uuid}/inventory`, "/v1/nope", "/v1/nodes/x/states"]) });
  for (let i = 0; i < 20; i++) out.push({ method: "PUT", path: `/v1/nodes/${uuid}/maintenance`, body: pick(["{", "[1]", JSON.stringify({ reason: 5 })]) });
  return out;
}

test("1,000+ hostile requests: all 4xx with Ironic's error body, state intact", async () => {
  const before = (await tc.api("GET", `/v1/nodes/${uuid}`)).json;
  const all = cases();
  expect(all.length).toBeGreaterThanOrEqual(1000);
  const statuses = new Map<number, number>();
  const bad: string[] = [];
  for (const c of all) {
    const r = await tc.api(c.method, c.path, c.body, c.headers ?? {});
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    // A few of the random bodies are valid requests (e.g. a patch setting a name); they may succeed.
    if (r.status < 400) continue;
    if (r.status >= 500) bad.push(`${c.method} ${c.path} -> ${r.status} ${r.text.slice(0, 200)}`);
    else {
      const fault = JSON.parse(r.json?.error_message ?? "null");
      if (!fault?.faultstring || fault.faultcode !== "Client" || fault.debuginfo !== null) bad.push(`${c.method} ${c.path} -> bad body ${r.text.slice(0, 200)}`);
    }
  }
  expect(bad).toEqual([]);
  const refused = [...statuses].filter(([s]) => s >= 400).reduce((a, [, n]) => a + n, 0);
  expect(refused).toBeGreaterThanOrEqual(1000);
  const after = (await tc.api("GET", `/v1/nodes/${uuid}`)).json;
  expect(after.provision_state).toBe(before.provision_state);
  expect(after.driver_info).toEqual({ ipmi_password: "******" });
  expect(after.driver_internal_info).toEqual({});
  expect(({} as Record<string, unknown>).a).toBeUndefined();
  expect(integrityCheck(tc.conductor.store.db)).toBe("ok");
  console.log(`hostile requests: ${all.length}, statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
}, 60_000);
