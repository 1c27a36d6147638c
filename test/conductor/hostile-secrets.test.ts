/**
 * Hostile requests aimed at secrets: callback URLs of every scheme and shape, secrets nested
 * at many depths and key spellings read back through every view, `fields=` and JSON-patch,
 * lookups during a deploy and a clean with and without tokens, continue_inspection without
 * token or version, and a callback that answers with secrets. No secret substring may appear
 * in any response body (the one first lookup that hands out a token aside) or anywhere in the
 * conductor's log, read at trace level; no request may get a 5xx.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../common/logger.ts";
import { buildConfig } from "../../conductor/config/load.ts";
import { createConductor, type Conductor } from "../../conductor/conductor.ts";
import { freePort } from "./helpers/harness.ts";

const V = { "X-OpenStack-Ironic-API-Version": "1.82" };
const RAMDISK = { "X-OpenStack-Ironic-API-Version": "1.68" };
const tag = Math.random().toString(36).slice(2, 8);
/** Every secret planted; none may come back. */
const secrets: string[] = [];
const secret = (what: string) => {
  const s = `Sx${tag}${what.replace(/[^A-Za-z0-9]/g, "")}${secrets.length}q`;
  secrets.push(s);
  return s;
};

let dir: string;
let logPath: string;
let conductor: Conductor;
let url: string;
const evil: { stop(force?: boolean): void }[] = [];
let requests = 0;
const fiveHundreds: string[] = [];
const leaks: string[] = [];

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = V, allow: string[] = []) {
  requests++;
  const r = await fetch(url + path, {
    method,
    headers: { "Content-Type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await r.text();
  if (r.status >= 500) fiveHundreds.push(`${method} ${path} -> ${r.status} ${text.slice(0, 200)}`);
  for (const s of secrets) if (!allow.includes(s) && text.includes(s)) leaks.push(`${method} ${path} (${r.status}) shows ${s}`);
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: r.status, json, text };
}

async function waitFor(ident: string, pred: (n: any) => boolean) {
  const end = Date.now() + 10_000;
  let last: any;
  while (Date.now() < end) {
    last = (await call("GET", `/v1/nodes/${ident}`)).json;
    if (pred(last)) return last;
    await Bun.sleep(30);
  }
  throw new Error(`timeout: ${ident} in ${last?.provision_state}`);
}

/** A dict with secrets under `key` at depths 1..maxDepth, in dicts and in lists. */
function nested(key: string, maxDepth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { [key]: secret(key) };
  let cur = out;
  for (let d = 2; d <= maxDepth; d++) {
    const next: Record<string, unknown> = { [key]: secret(`${key}d${d}`), plain: `visible-${d}` };
    cur[d % 2 ? "list" : `level${d}`] = d % 2 ? [next, { other: 1 }] : next;
    cur = next;
  }
  return out;
}

const KEYS = [
  "password", "ipmi_password", "IPMI_PASSWORD", "redfish_password", "Password", "snmp_community", "snmp_auth_key", "snmp_priv_key",
  "ssh_key", "api_key", "privateKey", "client_secret", "apiSecret", "auth_token", "bmc_token", "passphrase", "kg_key", "admin_pass", "ceph_credential",
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "teeth-hostile-secrets-"));
  logPath = join(dir, "conductor.log");
  const port = freePort();
  const config = buildConfig({
    file: { listen: `127.0.0.1:${port}`, log_level: "trace", cleaning: { automated_clean: false } },
    flags: { data_dir: join(dir, "data") },
  });
  conductor = createConductor(config, { logger: createLogger({ level: "trace", destination: logPath }) });
  conductor.start();
  url = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  for (const s of evil) s.stop(true);
  await conductor.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("hostile requests for secrets: none leaks in any answer or log line, none gets a 5xx", async () => {
  // --- nodes with secrets at many depths and spellings, created and patched ---
  const names: string[] = [];
  for (const [i, key] of KEYS.entries()) {
    const name = `hs${i}`;
    names.push(name);
    const driver_info = { ipmi_address: "10.0.0.1", ipmi_username: "admin", ...nested(key, 2 + (i % 6)),
      ipmi_extra: `-U admin --password ${secret("flag")}`, bmc_url: `https://root:${secret("userinfo")}@10.0.0.1/redfish` };
    const r = await call("POST", "/v1/nodes", { name, driver: "fake-hardware", driver_info });
    expect(r.status).toBe(201);
    expect(r.json.driver_info.ipmi_username).toBe("admin");
    const patch = [
      { op: "add", path: `/driver_info/extra_${i}`, value: nested(KEYS[(i + 1) % KEYS.length]!, 4) },
      { op: "add", path: "/instance_info/nested", value: nested(KEYS[(i + 2) % KEYS.length]!, 3) },
    ];
    expect((await call("PATCH", `/v1/nodes/${name}`, patch)).status).toBe(200);
    expect((await call("PATCH", `/v1/nodes/${name}`, [{ op: "replace", path: `/driver_info/${key}`, value: secret("replaced") }])).status).toBe(200);
  }

  // --- read back through every view and fields= ---
  const FIELDS = ["driver_info", "instance_info", "driver_internal_info", "extra", "driver_info,instance_info", "uuid,driver_info,last_error", "clean_step,deploy_step"];
  for (const name of names) {
    await call("GET", `/v1/nodes/${name}`);
    await call("GET", `/v1/nodes/${name}/states`);
    for (const f of FIELDS) await call("GET", `/v1/nodes/${name}?fields=${f}`);
  }
  for (const q of ["", "?detail=true", "?limit=3", ...FIELDS.map((f) => `?fields=${f}`)]) await call("GET", `/v1/nodes${q}`);
  await call("GET", "/v1/nodes/detail");

  // --- JSON-patch read-back attempts: ops that copy, move or test a secret, paths through one ---
  const readBack = [
    [{ op: "copy", from: "/driver_info/password", path: "/extra/leak" }],
    [{ op: "move", from: "/driver_info/password", path: "/extra/leak" }],
    [{ op: "test", path: "/driver_info/password", value: "guess" }],
    [{ op: "add", path: "/extra/leak", value: { $ref: "#/driver_info/password" } }],
    [{ op: "add", path: "/driver_info/password/x", value: 1 }],
    [{ op: "replace", path: "/driver_info/password/deeper", value: 1 }],
    [{ op: "remove", path: "/driver_info/password/x" }],
    [{ op: "add", path: "/driver_internal_info/agent_secret_token", value: "x" }],
    [{ op: "add", path: "/agent_token", value: "x" }],
    [{ op: "replace", path: "/name", value: "/driver_info/password" }],
    [{ op: "add", path: "/driver_info/ipmi_port", value: "not-a-port" }],
  ];
  for (const name of names) {
    for (const p of readBack) {
      const r = await call("PATCH", `/v1/nodes/${name}`, p);
      if (r.status < 400) await call("PATCH", `/v1/nodes/${name}`, [{ op: "replace", path: "/name", value: name }]);
    }
    await call("GET", `/v1/nodes/${name}?fields=extra`);
  }

  // --- a deploy waiting for its agent, carrying a configdrive and instance secrets ---
  const macDeploy = "52:54:00:7a:00:01";
  await call("POST", "/v1/ports", { address: macDeploy, node_uuid: "hs1" });
  for (const target of ["manage", "provide"]) expect((await call("PUT", "/v1/nodes/hs1/states/provision", { target })).status).toBe(202);
  await waitFor("hs1", (n) => n.provision_state === "available");
  const ii = [
    { op: "add", path: "/instance_info/image_source", value: `http://tenant:${secret("imgpw")}@127.0.0.1:1/disk.raw` },
    { op: "add", path: "/instance_info/image_checksum", value: "a".repeat(64) },
    { op: "add", path: "/instance_info/image_server_password", value: secret("imgsrv") },
    { op: "add", path: "/instance_info/image_url", value: `http://swift/v1/x?temp_url_sig=${secret("sig")}` },
  ];
  expect((await call("PATCH", "/v1/nodes/hs1", ii)).status).toBe(200);
  const configdrive = secret("configdrive");
  expect((await call("PUT", "/v1/nodes/hs1/states/provision", { target: "active", configdrive: { user_data: configdrive, meta_data: { admin_pass: secret("cdpw") } } })).status).toBe(202);
  const deploying = await waitFor("hs1", (n) => n.provision_state === "wait call-back");

  // --- a clean waiting for its agent, with secrets in the step args ---
  const macClean = "52:54:00:7a:00:02";
  await call("POST", "/v1/ports", { address: macClean, node_uuid: "hs2" });
  expect((await call("PUT", "/v1/nodes/hs2/states/provision", { target: "manage" })).status).toBe(202);
  await waitFor("hs2", (n) => n.provision_state === "manageable");
  const steps = [{ interface: "deploy", step: "erase_devices_metadata", args: { secure_token: secret("steparg"), nested: { password: secret("steparg2") } } }];
  expect((await call("PUT", "/v1/nodes/hs2/states/provision", { target: "clean", clean_steps: steps })).status).toBe(202);
  const cleaning = await waitFor("hs2", (n) => n.provision_state === "clean wait");

  // --- lookups with and without tokens, every version, by MAC and UUID ---
  const first = await fetch(`${url}/v1/lookup?addresses=${macDeploy}`, { headers: RAMDISK });
  requests++;
  const firstText = await first.text();
  const token = JSON.parse(firstText).config.agent_token as string;
  expect(token).toHaveLength(43);
  for (const s of secrets) if (firstText.includes(s)) leaks.push(`first lookup shows ${s}`);
  secrets.push(token);
  const cleanToken = (await call("GET", `/v1/lookup?node_uuid=${cleaning.uuid}`, undefined, RAMDISK)).json.config.agent_token as string;
  secrets.push(cleanToken);
  const versions: Record<string, string>[] = [{}, { "X-OpenStack-Ironic-API-Version": "1.1" }, { "X-OpenStack-Ironic-API-Version": "1.22" }, RAMDISK, { "X-OpenStack-Ironic-API-Version": "latest" }];
  const auths: Record<string, string>[] = [{}, { Authorization: `Bearer ${token}` }, { "X-Auth-Token": "forged-operator-token" }];
  for (const v of versions) for (const a of auths) {
    for (const q of [`addresses=${macDeploy}`, `addresses=${macClean}`, `node_uuid=${deploying.uuid}`, `node_uuid=${cleaning.uuid}`, `addresses=${macDeploy},${macClean}`]) {
      await call("GET", `/v1/lookup?${q}`, undefined, { ...v, ...a });
    }
  }

  // --- heartbeats: hostile callback URLs, with the real token and with forged ones ---
  const CALLBACKS = [
    "file:///etc/passwd", "file:///etc/hostname?", "file://localhost/etc/shadow", `file://${logPath}`, "ftp://127.0.0.1:21/", "gopher://127.0.0.1:70/_GET%20/",
    "data:text/plain,hello", "data:application/json,{\"command_status\":\"SUCCEEDED\"}", "javascript:alert(1)", "s3://bucket/key", "blob:http://127.0.0.1/x",
    "ws://127.0.0.1:9999", "http://user:pw@127.0.0.1:9999", "http://user@127.0.0.1:9999", "http://@127.0.0.1:9999", "https://a:b@[::1]:9999",
    "http://:9999", "http://", "https:///x", "http:127.0.0.1:9999", "//127.0.0.1:9999", "127.0.0.1:9999", "http://127.0.0.1:0", "http://127.0.0.1:65536",
    "http://127.0.0.1:-1", "http://127.0.0.1:99999", "http://127.0.0.1:abc", "http://127.0.0.1:9999/v1/", "http://127.0.0.1:9999?x=1", "http://127.0.0.1:9999#x",
    "http://169.254.169.254:80", "http://[::ffff:a9fe:a9fe]:80", "http://[fe80::1]:9999", "http://0.0.0.0:9999", "http://255.255.255.255:9999",
    "http://metadata.google.internal:80", "http://127.0.0.1:9999\\@evil.example", "http://evil.example%2f@127.0.0.1:9999", " http://127.0.0.1:9999",
    "http://127.0.0.1:9999\n", "HTTP://127.0.0.1:9999/../x", `http://127.0.0.1:9999/${"a".repeat(3000)}`,
  ];
  for (const cb of CALLBACKS) {
    for (const [uuid, tok] of [[deploying.uuid, token], [cleaning.uuid, cleanToken], [deploying.uuid, "f".repeat(43)], [cleaning.uuid, token]] as const) {
      for (const h of [RAMDISK, { "X-OpenStack-Ironic-API-Version": "1.62" }]) {
        const r = await call("POST", `/v1/heartbeat/${uuid}`, { callback_url: cb, agent_token: tok, agent_version: "x" }, h);
        expect(r.status, cb).toBeGreaterThanOrEqual(400);
      }
    }
  }
  for (const n of [deploying.uuid, cleaning.uuid]) expect((await call("GET", `/v1/nodes/${n}`)).json.driver_internal_info.agent_url).toBeUndefined();

  // --- continue_inspection without token or version, for a node in inspect wait ---
  const macInspect = "52:54:00:7a:00:03";
  await call("POST", "/v1/ports", { address: macInspect, node_uuid: "hs3" });
  expect((await call("PUT", "/v1/nodes/hs3/states/provision", { target: "manage" })).status).toBe(202);
  await waitFor("hs3", (n) => n.provision_state === "manageable");
  expect((await call("PUT", "/v1/nodes/hs3/states/provision", { target: "inspect" })).status).toBe(202);
  const inspecting = await waitFor("hs3", (n) => n.provision_state === "inspect wait");
  const inventory = { interfaces: [{ mac_address: macInspect }, { mac_address: "52:54:00:7a:00:33" }], cpu: { count: 999, architecture: "evil" }, bmc_address: "10.9.9.9" };
  const bodies = [
    { inventory },
    { inventory, agent_token: token },
    { inventory, agent_token: "" },
    { inventory, agent_token: null },
    { inventory, agent_token: ["x"] },
    { inventory, error: "boom" },
    { inventory: { interfaces: [] } },
    { inventory: "x" },
    {},
  ];
  const ciVersions: Record<string, string>[] = [{}, { "X-OpenStack-Ironic-API-Version": "1.1" }, { "X-OpenStack-Ironic-API-Version": "1.82" }, { "X-OpenStack-Ironic-API-Version": "1.83" }, { "X-OpenStack-Ironic-API-Version": "1.84" }, { "X-OpenStack-Ironic-API-Version": "latest" }];
  for (const b of bodies) for (const v of ciVersions) for (const q of ["", `?node_uuid=${inspecting.uuid}`]) {
    const r = await call("POST", `/v1/continue_inspection${q}`, b, v);
    expect(r.status, JSON.stringify(b).slice(0, 80)).toBeGreaterThanOrEqual(400);
  }
  const after = (await call("GET", "/v1/nodes/hs3")).json;
  expect(after.provision_state).toBe("inspect wait");
  expect(after.properties.cpus).toBeUndefined();

  // --- a callback whose server answers with secrets and junk: last_error stays clean ---
  const echo = secret("faultecho");
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: () => Response.json({ faultstring: `failed with password=${echo} \u0000 ${"z".repeat(10_000)}` }, { status: 500 }),
  });
  evil.push(server);
  expect((await call("POST", `/v1/heartbeat/${deploying.uuid}`, { callback_url: `http://127.0.0.1:${server.port}`, agent_token: token, agent_version: "x" }, RAMDISK)).status).toBe(202);
  const failed = await waitFor("hs1", (n) => n.provision_state === "deploy failed");
  expect(failed.last_error).toContain("HTTP 500");
  expect(failed.last_error.length).toBeLessThan(1000);
  for (const name of names) await call("GET", `/v1/nodes/${name}`);

  // --- verdict ---
  await Bun.sleep(50);
  const log = readFileSync(logPath, "utf8");
  const logLeaks = secrets.filter((s) => log.includes(s));
  console.log(`hostile-secrets: ${requests} requests, ${secrets.length} secrets planted, ${fiveHundreds.length} 5xx, ${leaks.length} leaks in answers, ${logLeaks.length} in ${log.split("\n").length} log lines`);
  expect(fiveHundreds).toEqual([]);
  expect(leaks).toEqual([]);
  expect(logLeaks).toEqual([]);
  expect(requests).toBeGreaterThan(1000);
}, 120_000);
