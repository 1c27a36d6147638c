/**
 * What the conductor must not give away, one test per finding of issue 9: the tenant's
 * configdrive and instance secrets through the unauthenticated lookup, secrets nested in
 * driver_info (views and the node sent to the agent), local files or foreign bodies through
 * a heartbeat's callback URL, and an inspection completed by someone without the agent token.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { startStandInAgent, type StandInAgent } from "./helpers/stand-in-agent.ts";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";

const RAMDISK = { "X-OpenStack-Ironic-API-Version": "1.68" };
const CONFIGDRIVE = "H4sIAAAAAAAAA-TENANT-CONFIGDRIVE-7f3a";
const NESTED_PW = "nested-bmc-pw-91c2";
const IMAGE_PW = "image-server-pw-44d1";

let tc: TestConductor;
const agents: StandInAgent[] = [];
const servers: { stop(force?: boolean): void }[] = [];

beforeAll(async () => {
  tc = await startTestConductor({ cleaning: { automated_clean: false }, agent: { poll_interval_s: 0.1 } });
});
afterAll(async () => {
  for (const a of agents) a.stop();
  for (const s of servers) s.stop(true);
  await tc.stop();
  rmSync(tc.dataDir, { recursive: true, force: true });
});

/** Enrolls, provides, and requests a deploy carrying a configdrive and instance secrets; returns the UUID. */
async function deployWaiting(name: string, mac: string): Promise<string> {
  const uuid = await tc.enroll(name, mac);
  const patch = [
    { op: "add", path: "/driver_info/bmc", value: { address: "10.0.0.9", password: NESTED_PW } },
    { op: "add", path: "/instance_info/image_source", value: "http://127.0.0.1:1/disk.raw" },
    { op: "add", path: "/instance_info/image_checksum", value: "a".repeat(64) },
    { op: "add", path: "/instance_info/image_server_password", value: IMAGE_PW },
  ];
  expect((await tc.api("PATCH", `/v1/nodes/${name}`, patch)).status).toBe(200);
  expect((await tc.api("PUT", `/v1/nodes/${name}/states/provision`, { target: "provide" })).status).toBe(202);
  await tc.waitFor(name, (n) => n.provision_state === "available");
  expect((await tc.api("PUT", `/v1/nodes/${name}/states/provision`, { target: "active", configdrive: CONFIGDRIVE })).status).toBe(202);
  await tc.waitFor(name, (n) => n.provision_state === "wait call-back");
  return uuid;
}

async function lookup(mac: string, headers: Record<string, string> = {}) {
  const r = await fetch(`${tc.url}/v1/lookup?addresses=${mac}`, { headers: { ...RAMDISK, ...headers } });
  return { status: r.status, text: await r.text() };
}

test("finding 3: lookup during a deploy shows neither the configdrive nor instance secrets, before or after the token is issued", async () => {
  const mac = "52:54:00:53:00:01";
  await deployWaiting("s3", mac);
  const first = await lookup(mac);
  expect(first.status).toBe(200);
  const body = JSON.parse(first.text);
  expect(body.config.agent_token).toHaveLength(43);
  expect(first.text).not.toContain(CONFIGDRIVE);
  expect(first.text).not.toContain(IMAGE_PW);
  expect(body.node.instance_info.configdrive).toBe("******");
  expect(body.node.instance_info.image_server_password).toBe("******");
  // what the agent does need stays: the image source
  expect(body.node.instance_info.image_source).toBe("http://127.0.0.1:1/disk.raw");
  const again = await lookup(mac, { Authorization: "Bearer nothing" });
  expect(again.status).toBe(200);
  expect(JSON.parse(again.text).config.agent_token).toBe("******");
  expect(again.text).not.toContain(CONFIGDRIVE);
  // the operator's own view masks the configdrive too (Ironic's show_instance_secrets default)
  const view = await tc.api("GET", "/v1/nodes/s3");
  expect(view.text).not.toContain(CONFIGDRIVE);
  expect(view.json.instance_info.configdrive).toBe("******");
});

test("finding 4: secrets nested in driver_info are masked in every view and in the node sent to the agent", async () => {
  const mac = "52:54:00:53:00:02";
  const name = "s4";
  const created = await tc.api("POST", "/v1/nodes", { name, driver: "fake-hardware", driver_info: { bmc: { password: NESTED_PW, creds: [{ snmp_community: "comm-x1" }] } } });
  expect(created.status).toBe(201);
  const patched = await tc.api("PATCH", `/v1/nodes/${name}`, [{ op: "add", path: "/driver_info/redfish", value: { auth: { api_key: "key-x2", user: "root" } } }]);
  expect(patched.status).toBe(200);
  const views = [
    created.text,
    patched.text,
    (await tc.api("GET", `/v1/nodes/${name}`)).text,
    (await tc.api("GET", "/v1/nodes/detail")).text,
    (await tc.api("GET", `/v1/nodes?fields=uuid,driver_info`)).text,
    (await tc.api("GET", `/v1/nodes/${name}?fields=driver_info`)).text,
  ];
  for (const v of views) for (const s of [NESTED_PW, "comm-x1", "key-x2"]) expect(v).not.toContain(s);
  expect(JSON.parse(views[2]!).driver_info).toEqual({ bmc: { password: "******", creds: [{ snmp_community: "******" }] }, redfish: { auth: { api_key: "******", user: "root" } } });

  // the node sent with every agent command is masked the same way
  await tc.api("POST", "/v1/ports", { address: mac, node_uuid: name });
  expect((await tc.api("PUT", `/v1/nodes/${name}/states/provision`, { target: "manage" })).status).toBe(202);
  await tc.waitFor(name, (n) => n.provision_state === "manageable");
  const agent = await startStandInAgent({ apiUrl: tc.url, macs: [mac] });
  agents.push(agent);
  expect((await tc.api("PUT", `/v1/nodes/${name}/states/provision`, { target: "clean", clean_steps: [{ interface: "deploy", step: "erase_devices_metadata" }] })).status).toBe(202);
  await tc.waitFor(name, (n) => n.provision_state === "manageable" && agent.commands.length > 0);
  expect(agent.commands.length).toBeGreaterThan(0);
  const sent = JSON.stringify(agent.commands);
  for (const s of [NESTED_PW, "comm-x1", "key-x2"]) expect(sent).not.toContain(s);
  agent.stop();
});

test("finding 5: a callback URL other than http(s)://address:port is refused; an agent's error body never lands in last_error raw", async () => {
  const mac = "52:54:00:53:00:05";
  const uuid = await deployWaiting("s5", mac);
  const token = JSON.parse((await lookup(mac)).text).config.agent_token as string;
  const hb = (callback_url: string) => tc.api("POST", `/v1/heartbeat/${uuid}`, { callback_url, agent_token: token, agent_version: "x" }, RAMDISK);
  for (const url of ["file:///etc/hostname?", "ftp://127.0.0.1:21/", "gopher://127.0.0.1:70/", "data:text/plain,hi", "http://user:pw@127.0.0.1:9999", "http://169.254.169.254:80", "http://127.0.0.1:9999/x?y=1"]) {
    const r = await hb(url);
    expect(r.status, url).toBe(400);
    expect(r.text, url).toContain("callback_url");
  }
  expect((await tc.api("GET", "/v1/nodes/s5")).json.driver_internal_info.agent_url).toBeUndefined();

  // A well-formed callback whose server answers a foreign body: last_error says so, bounded, without the body.
  const marker = "FOREIGN-BODY-5c1e";
  const evil = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response(`${marker}\n`.repeat(5000), { status: 500 }) });
  servers.push(evil);
  expect((await hb(`http://127.0.0.1:${evil.port}`)).status).toBe(202);
  const failed = await tc.waitFor("s5", (n) => n.provision_state === "deploy failed");
  expect(failed.last_error).not.toContain(marker);
  expect(failed.last_error.length).toBeLessThan(1000);
  expect(failed.last_error).toContain("HTTP 500");
});

test("finding 6: continue_inspection needs API 1.84 and the node's agent token", async () => {
  const mac = "52:54:00:53:00:06";
  const uuid = await tc.enroll("s6", mac);
  expect((await tc.api("PUT", "/v1/nodes/s6/states/provision", { target: "inspect" })).status).toBe(202);
  await tc.waitFor("s6", (n) => n.provision_state === "inspect wait");
  const data = { inventory: { interfaces: [{ mac_address: mac }, { mac_address: "52:54:00:53:00:66" }], cpu: { count: 64, architecture: "x86_64" } } };
  const post = (body: unknown, headers: Record<string, string>) =>
    fetch(`${tc.url}/v1/continue_inspection`, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });
  expect((await post(data, {})).status).toBe(404);
  expect((await post(data, { "X-OpenStack-Ironic-API-Version": "1.84" })).status).toBe(400);
  expect((await post({ ...data, agent_token: "x".repeat(43) }, { "X-OpenStack-Ironic-API-Version": "1.84" })).status).toBe(400);
  await Bun.sleep(100);
  const still = (await tc.api("GET", "/v1/nodes/s6")).json;
  expect(still.provision_state).toBe("inspect wait");
  expect(still.properties).toEqual({});
  expect((await tc.api("GET", "/v1/nodes/s6/ports")).json.ports).toHaveLength(1);

  // the agent that looked up holds the token and may complete it
  const token = JSON.parse((await lookup(mac)).text).config.agent_token as string;
  const ok = await post({ ...data, agent_token: token }, { "X-OpenStack-Ironic-API-Version": "1.84" });
  expect(ok.status).toBe(202);
  const body = (await ok.json()) as any;
  expect(body.node.uuid).toBe(uuid);
  expect(body.config.agent_token).toBe("******");
  const done = await tc.waitFor("s6", (n) => n.provision_state === "manageable");
  expect(done.properties.cpus).toBe(64);
});

test("with auth.token set, only the agent paths themselves are open, not what lies below or beside them", async () => {
  const token = "operator-token-0123456789";
  const locked = await startTestConductor({ auth: { token } });
  try {
    const open = ["/", "/v1", "/v1/lookup?addresses=52:54:00:00:00:01", "/images/none.raw"];
    const closed = ["/v1/nodes", "/v1/lookupx", "/v1/lookup/nodes", "/v1/heartbeat/x/y", "/v1/continue_inspectionx", "/images/a/b", "//v1/nodes", "/v1/ports"];
    for (const p of open) expect((await fetch(locked.url + p, { headers: RAMDISK })).status, p).not.toBe(401);
    for (const p of closed) expect((await fetch(locked.url + p, { headers: RAMDISK })).status, p).toBe(401);
    expect((await fetch(`${locked.url}/v1/nodes`, { headers: { ...RAMDISK, Authorization: `Bearer ${token}` } })).status).toBe(200);
  } finally {
    await locked.stop();
    rmSync(locked.dataDir, { recursive: true, force: true });
  }
});
