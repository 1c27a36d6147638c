/**
 * Hostile input: >= 1,000 malformed requests to the operator and ramdisk APIs each get a 4xx
 * with Ironic's error body; none gets a 5xx; the node and the database are unchanged.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { MAX_JSON_DEPTH } from "../../common/json-depth.ts";
import { MAX_HEADER_BYTES } from "../../common/http-guard.ts";
import { integrityCheck } from "../../conductor/store/db.ts";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";
import { abandonBody, rawRequest, type RawAnswer } from "./helpers/raw-http.ts";

/**
 * Ironic's error body: `faultstring` from its controllers, or webob's `{code, title,
 * description}` from its microversion checks (406) and routing (404, 405), as the
 * differential test (test/ironic/api-versions-diff) saw.
 */
function ironicBody(fault: any): boolean {
  if ([404, 405, 406].includes(fault?.code) && typeof fault.title === "string" && typeof fault.description === "string") return true;
  return Boolean(fault?.faultstring) && fault.faultcode === "Client" && fault.debuginfo === null;
}

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
      if (!ironicBody(fault)) bad.push(`${c.method} ${c.path} -> bad body ${r.text.slice(0, 200)}`);
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

/** Nesting `depth` deep in one of three shapes, with brackets inside strings on the way. */
function nested(shape: number, depth: number): string {
  if (shape === 0) return "[".repeat(depth) + "]".repeat(depth);
  if (shape === 1) return '{"a":'.repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
  let s = '"]}"';
  for (let i = 0; i < depth; i++) s = i % 2 ? `{"k{":${s}}` : `["[",${s}]`;
  return s;
}

test("raw-socket and deep-body classes: Host variants, deep nesting, cut bodies, big headers, odd fields, pagination", async () => {
  const port = Number(new URL(tc.url).port);
  const before = (await tc.api("GET", `/v1/nodes/${uuid}`)).json;
  const bad: string[] = [];
  const statuses = new Map<number, number>();
  let sent = 0;
  const check = (what: string, r: { status: number; json: any; text?: string; body?: string }, allowOk = false) => {
    sent++;
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    if (allowOk && r.status < 400) return;
    if (r.status < 400 || r.status >= 500) return void bad.push(`${what} -> ${r.status} ${(r.text ?? r.body ?? "").slice(0, 160)}`);
    const fault = JSON.parse(r.json?.error_message ?? "null");
    if (!ironicBody(fault)) bad.push(`${what} -> ${r.status} bad body ${(r.text ?? r.body ?? "").slice(0, 160)}`);
  };
  const V = "X-OpenStack-Ironic-API-Version: 1.82\r\n";

  // Host: missing over HTTP/1.0 and empty are served (links from public_url; /v1's fixed
  // `describedby` link to Ironic's docs, as Ironic); malformed is a 400.
  const paths = ["/", "/v1", "/v1/nodes", `/v1/nodes/${uuid}`, "/v1/nodes/detail?limit=1", "/v1/ports", `/v1/nodes/${uuid}/states`];
  for (const path of paths) {
    for (const req of [`GET ${path} HTTP/1.0\r\n${V}\r\n`, `GET ${path} HTTP/1.1\r\nHost:\r\n${V}Connection: close\r\n\r\n`, `GET ${path} HTTP/1.1\r\nHost: evil.example\r\n${V}Connection: close\r\n\r\n`]) {
      const a = await rawRequest(port, req);
      check(`${req.split("\r\n").slice(0, 2).join(" | ")}`, a, true);
      if (a.status !== 200 || a.body.includes("evil.example") || (a.json && JSON.stringify(a.json).match(/https?:\/\/(?!127\.0\.0\.1:|docs\.openstack\.org\/)/))) bad.push(`${path}: ${a.status} ${a.body.slice(0, 160)}`);
    }
    for (const host of ["[::1", "a:99999", "a b", "a/b", "a?b", "[::1]:99999", "x:-1", "a\u00e9"]) {
      check(`Host ${host} ${path}`, await rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${V}Connection: close\r\n\r\n`));
    }
  }

  // Deep nesting, several depths and shapes, in every body-taking endpoint.
  const hb = { "X-OpenStack-Ironic-API-Version": "1.68" };
  for (const depth of [MAX_JSON_DEPTH + 1, 200, 5_000, 40_000, 100_000]) {
    for (const shape of [0, 1, 2]) {
      const doc = nested(shape, shape === 2 ? Math.min(depth, 40_000) : depth);
      const cases: [string, string, string, Record<string, string>?][] = [
        ["POST", "/v1/nodes", `{"driver":"fake-hardware","name":"deep","extra":${doc}}`],
        ["POST", "/v1/nodes", doc],
        ["PATCH", `/v1/nodes/${uuid}`, `[{"op":"add","path":"/extra/x","value":${doc}}]`],
        ["PATCH", `/v1/nodes/${uuid}`, doc],
        ["PUT", `/v1/nodes/${uuid}/maintenance`, `{"reason":${doc}}`],
        ["PUT", `/v1/nodes/${uuid}/states/provision`, `{"target":"clean","clean_steps":[{"interface":"deploy","step":"x","args":${doc}}]}`],
        ["PUT", `/v1/nodes/${uuid}/states/power`, `{"target":${doc}}`],
        ["POST", "/v1/ports", `{"address":"52:54:00:be:ef:77","node_uuid":"${uuid}","local_link_connection":${doc}}`],
        ["POST", `/v1/heartbeat/${uuid}`, `{"callback_url":"http://127.0.0.1:9999","agent_token":"t","extra":${doc}}`, hb],
        ["POST", "/v1/continue_inspection", `{"inventory":{"interfaces":${doc}}}`, hb],
      ];
      for (const [method, path, body, headers] of cases) check(`${method} ${path} depth ${depth} shape ${shape}`, await tc.api(method, path, body, headers));
    }
  }

  // A client gone mid-body (Content-Length short, chunked unterminated): no answer to check, but
  // no 5xx in the log and nothing stored; the requests after these still work.
  for (const head of [
    `POST /v1/nodes HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\n`,
    `PATCH /v1/nodes/${uuid} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n[{"op"\r\n`,
    `PUT /v1/nodes/${uuid}/maintenance HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{"r\r\n`,
    `PUT /v1/nodes/${uuid}/states/provision HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n`,
  ]) {
    for (let i = 0; i < 5; i++) {
      await abandonBody(port, head, '{"target": "act');
      sent++;
    }
  }

  // Oversized headers: 431 in Ironic's body.
  for (const size of [MAX_HEADER_BYTES + 1, 32 * 1024, 128 * 1024]) {
    check(`header ${size}`, await rawRequest(port, `GET /v1/nodes HTTP/1.1\r\nHost: x\r\nX-Pad: ${"p".repeat(size)}\r\nConnection: close\r\n\r\n`));
    check(`url ${size}`, await rawRequest(port, `GET /v1/nodes?q=${"q".repeat(size)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
  }

  // Odd names, instance_uuid, automated_clean and other typed fields, on create and patch.
  const names = ["9a4c0ae8-43c6-4a3a-a7e8-59c8e4f0d2a1", "9A4C0AE843C64A3AA7E859C8E4F0D2A1", ".", "..", "detail", "a/b", "a b", "", "x".repeat(256), "<script>", "%2e%2e", "a:b"];
  const fields: [string, unknown][] = [["instance_uuid", "not a uuid <script>"], ["instance_uuid", 1], ["automated_clean", {}], ["automated_clean", "perhaps"], ["automated_clean", []],
    ["chassis_uuid", "c"], ["resource_class", "r".repeat(81)], ["owner", 5], ["lessee", {}], ["description", "d".repeat(4097)], ["conductor_group", "a b"], ["network_data", []], ["extra", "e"], ["properties", 3]];
  for (const name of names) {
    check(`create name ${name.slice(0, 20)}`, await tc.api("POST", "/v1/nodes", { name, driver: "fake-hardware" }));
    check(`patch name ${name.slice(0, 20)}`, await tc.api("PATCH", `/v1/nodes/${uuid}`, [{ op: "replace", path: "/name", value: name }]));
    check(`port name ${name.slice(0, 20)}`, await tc.api("POST", "/v1/ports", { address: "52:54:00:be:ef:78", node_uuid: uuid, name }));
  }
  for (const [field, value] of fields) {
    check(`create ${field}`, await tc.api("POST", "/v1/nodes", { driver: "fake-hardware", [field]: value }));
    check(`patch ${field}`, await tc.api("PATCH", `/v1/nodes/${uuid}`, [{ op: "add", path: `/${field}`, value }]));
  }
  for (const [field, value] of [["pxe_enabled", "sometimes"], ["local_link_connection", { evil: 1 }], ["local_link_connection", { port_id: "p", switch_id: "zz" }], ["physical_network", "p".repeat(65)], ["extra", []]] as const) {
    check(`port ${field}`, await tc.api("POST", "/v1/ports", { address: "52:54:00:be:ef:79", node_uuid: uuid, [field]: value }));
  }

  // Pagination with hostile parameters is refused; a walk over nullable keys returns each node once.
  for (const q of ["sort_key=driver_info", "sort_key=name;DROP TABLE nodes", "sort_dir=up", "marker=nope", "limit=-5", "limit=1e3", `marker=${"m".repeat(100)}`, "sort_key=password"]) {
    check(`list ${q}`, await tc.api("GET", `/v1/nodes?${q}`));
    check(`ports ${q}`, await tc.api("GET", `/v1/ports?${q}`));
  }
  for (let i = 0; i < 6; i++) expect((await tc.api("POST", "/v1/nodes", i % 2 ? { driver: "fake-hardware" } : { driver: "fake-hardware", name: `walk-${i}` })).status).toBe(201);
  const total = (await tc.api("GET", "/v1/nodes")).json.nodes.length;
  for (const key of ["name", "updated_at", "instance_uuid", "power_state", "created_at"]) {
    for (const dir of ["asc", "desc"]) {
      const seen: string[] = [];
      let next: string | undefined = `/v1/nodes?sort_key=${key}&sort_dir=${dir}&limit=2`;
      while (next && seen.length <= total) {
        const r = await tc.api("GET", next);
        check(`walk ${key} ${dir}`, r, true);
        seen.push(...r.json.nodes.map((n: { uuid: string }) => n.uuid));
        next = r.json.next?.slice(r.json.next.indexOf("/v1/"));
      }
      if (seen.length !== total || new Set(seen).size !== total) bad.push(`walk ${key} ${dir}: ${seen.length} of ${total}`);
    }
  }

  expect(bad).toEqual([]);
  const after = (await tc.api("GET", `/v1/nodes/${uuid}`)).json;
  expect(after.name).toBe(before.name);
  expect(after.extra).toEqual(before.extra);
  expect(after.instance_uuid).toBe(before.instance_uuid);
  expect(after.automated_clean).toBe(before.automated_clean);
  expect(after.maintenance).toBe(before.maintenance);
  expect(after.provision_state).toBe(before.provision_state);
  expect((await tc.api("GET", "/v1/ports")).json.ports.map((p: { address: string }) => p.address)).toEqual(["52:54:00:be:ef:01"]);
  expect((await tc.api("GET", "/v1/nodes/detail")).status).toBe(200);
  expect(integrityCheck(tc.conductor.store.db)).toBe("ok");
  console.log(`raw-socket and deep-body requests: ${sent}, statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
}, 120_000);
