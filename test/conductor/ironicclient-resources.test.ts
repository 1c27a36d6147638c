/**
 * Real client: Debian's python3-ironicclient (`baremetal`) drives the collections beyond
 * nodes and ports: chassis, port group, allocation, deploy template, volume connector,
 * volume target and conductor (create, list, show, set, delete as each has).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";

const BAREMETAL = Bun.which("baremetal");
let tc: TestConductor;

beforeAll(async () => {
  tc = await startTestConductor({ cleaning: { automated_clean: false } });
});
afterAll(() => tc.destroy());

async function bm(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn([BAREMETAL!, ...args], { env: { ...process.env, OS_AUTH_TYPE: "none", OS_ENDPOINT: tc.url }, stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  return { code: await p.exited, out, err };
}

/** Runs a command that must succeed; parses `-f json` output. */
async function ok(...args: string[]): Promise<any> {
  const r = await bm(...args);
  if (r.code !== 0) throw new Error(`baremetal ${args.join(" ")}: exit ${r.code}: ${r.err}${r.out}`);
  return args.includes("json") ? JSON.parse(r.out) : r.out;
}

test.skipIf(!BAREMETAL)("chassis: create, list, show, set, delete", async () => {
  const ch = await ok("chassis", "create", "--description", "rack a", "--extra", "row=1", "-f", "json");
  expect(ch.description).toBe("rack a");
  expect((await ok("chassis", "list", "-f", "json")).map((c: any) => c.UUID)).toEqual([ch.uuid]);
  await ok("chassis", "set", ch.uuid, "--description", "rack A", "--extra", "col=2");
  const shown = await ok("chassis", "show", ch.uuid, "-f", "json");
  // The client sends KEY=VALUE values as JSON when they parse (1 is a number).
  expect([shown.description, shown.extra]).toEqual(["rack A", { row: 1, col: 2 }]);
  await ok("node", "create", "--driver", "fake-hardware", "--name", "cli-ch-n1", "--chassis-uuid", ch.uuid);
  expect((await tc.api("GET", `/v1/chassis/${ch.uuid}/nodes`)).json.nodes.map((n: any) => n.name)).toEqual(["cli-ch-n1"]);
  const refused = await bm("chassis", "delete", ch.uuid);
  expect(refused.code).not.toBe(0);
  expect(refused.err).toContain("contains nodes");
  await ok("node", "delete", "cli-ch-n1");
  await ok("chassis", "delete", ch.uuid);
  expect(await ok("chassis", "list", "-f", "json")).toEqual([]);
}, 60_000);

test.skipIf(!BAREMETAL)("port group: create, list, show, set, member port, delete", async () => {
  const node = (await ok("node", "create", "--driver", "fake-hardware", "--name", "cli-pg-n1", "-f", "json")).uuid;
  // Ironic takes only a UUID for a portgroup's node, so the client sends what it is given.
  expect((await bm("port", "group", "create", "--node", "cli-pg-n1")).err).toContain("Expected UUID for node_uuid");
  const pg = await ok("port", "group", "create", "--node", node, "--address", "52:54:00:cc:00:01", "--name", "bond0", "--mode", "802.3ad", "--property", "miimon=100", "-f", "json");
  expect([pg.name, pg.mode, pg.properties]).toEqual(["bond0", "802.3ad", { miimon: 100 }]);
  expect((await ok("port", "group", "list", "-f", "json")).map((p: any) => p.Name)).toEqual(["bond0"]);
  await ok("port", "group", "set", "bond0", "--extra", "k=v", "--support-standalone-ports");
  const shown = await ok("port", "group", "show", "bond0", "-f", "json");
  expect([shown.extra, shown.standalone_ports_supported]).toEqual([{ k: "v" }, true]);
  await ok("port", "create", "52:54:00:cc:00:02", "--node", shown.node_uuid, "--port-group", "bond0");
  // `port list --port-group` asks /v1/ports/?portgroup=: the trailing slash is the API-wide change's; the filter is checked here.
  expect((await tc.api("GET", "/v1/ports?portgroup=bond0")).json.ports.map((p: any) => p.address)).toEqual(["52:54:00:cc:00:02"]);
  const refused = await bm("port", "group", "delete", "bond0");
  expect(refused.code).not.toBe(0);
  await ok("port", "delete", (await ok("port", "list", "-f", "json"))[0].UUID);
  await ok("port", "group", "delete", "bond0");
  expect(await ok("port", "group", "list", "-f", "json")).toEqual([]);
}, 60_000);

test.skipIf(!BAREMETAL)("allocation: create (matching and not), list, show, set, delete", async () => {
  await ok("node", "create", "--driver", "fake-hardware", "--name", "cli-al-n1", "--resource-class", "gold");
  await ok("node", "manage", "cli-al-n1", "--wait", "30");
  await ok("node", "provide", "cli-al-n1", "--wait", "30");
  const none = await ok("allocation", "create", "--resource-class", "silver", "--name", "none-1", "--wait", "30", "-f", "json").catch((e: Error) => e);
  expect(String(none)).toContain("no available nodes match the resource class silver");
  const a = await ok("allocation", "create", "--resource-class", "gold", "--name", "web-1", "--wait", "30", "-f", "json");
  expect([a.state, a.node_uuid]).toEqual(["active", (await ok("node", "show", "cli-al-n1", "-f", "json")).uuid]);
  expect((await ok("allocation", "list", "-f", "json")).map((x: any) => x.Name).sort()).toEqual(["none-1", "web-1"]);
  await ok("allocation", "set", "web-1", "--extra", "k=v");
  expect((await ok("allocation", "show", "web-1", "-f", "json")).extra).toEqual({ k: "v" });
  expect((await ok("node", "show", "cli-al-n1", "-f", "json")).allocation_uuid).toBe(a.uuid);
  await ok("allocation", "delete", "web-1", "none-1");
  expect((await ok("node", "show", "cli-al-n1", "-f", "json")).instance_uuid).toBeNull();
  expect(await ok("allocation", "list", "-f", "json")).toEqual([]);
}, 90_000);

test.skipIf(!BAREMETAL)("deploy template: create, list, show, set, delete", async () => {
  const steps = JSON.stringify([{ interface: "bios", step: "apply_configuration", args: { settings: [] }, priority: 150 }]);
  const t = await ok("deploy", "template", "create", "CUSTOM_HYPERTHREADING_ON", "--steps", steps, "--extra", "a=b", "-f", "json");
  expect(t.steps[0].step).toBe("apply_configuration");
  expect((await bm("deploy", "template", "create", "lowercase", "--steps", steps)).code).not.toBe(0);
  expect((await ok("deploy", "template", "list", "-f", "json")).map((x: any) => x.Name)).toEqual(["CUSTOM_HYPERTHREADING_ON"]);
  await ok("deploy", "template", "set", "CUSTOM_HYPERTHREADING_ON", "--name", "CUSTOM_HT");
  expect((await ok("deploy", "template", "show", "CUSTOM_HT", "-f", "json")).uuid).toBe(t.uuid);
  await ok("deploy", "template", "delete", "CUSTOM_HT");
  expect(await ok("deploy", "template", "list", "-f", "json")).toEqual([]);
}, 60_000);

test.skipIf(!BAREMETAL)("volume connector and target: create, list, show, set, delete", async () => {
  const node = (await ok("node", "create", "--driver", "fake-hardware", "--name", "cli-vol-n1", "-f", "json")).uuid;
  const vc = await ok("volume", "connector", "create", "--node", node, "--type", "iqn", "--connector-id", "iqn.2017-08.org.openstack:a", "-f", "json");
  const vt = await ok("volume", "target", "create", "--node", node, "--type", "iscsi", "--boot-index", "0", "--volume-id", "vol-1", "-f", "json");
  // `list --node` asks /v1/volume/connectors/?node=: the trailing slash is the API-wide change's.
  expect((await ok("volume", "connector", "list", "-f", "json")).map((x: any) => x.UUID)).toEqual([vc.uuid]);
  expect((await ok("volume", "target", "list", "-f", "json")).map((x: any) => x.UUID)).toEqual([vt.uuid]);
  await ok("node", "manage", "cli-vol-n1", "--wait", "30");
  await ok("node", "power", "off", "cli-vol-n1");
  await tc.waitFor("cli-vol-n1", (n) => n.power_state === "power off");
  await ok("volume", "connector", "set", vc.uuid, "--connector-id", "iqn.2017-08.org.openstack:b");
  await ok("volume", "target", "set", vt.uuid, "--property", "lun=1");
  expect((await ok("volume", "connector", "show", vc.uuid, "-f", "json")).connector_id).toBe("iqn.2017-08.org.openstack:b");
  expect((await ok("volume", "target", "show", vt.uuid, "-f", "json")).properties).toEqual({ lun: 1 });
  await ok("volume", "connector", "delete", vc.uuid);
  await ok("volume", "target", "delete", vt.uuid);
  expect(await ok("volume", "target", "list", "-f", "json")).toEqual([]);
}, 60_000);

test.skipIf(!BAREMETAL)("conductor: list and show", async () => {
  const list = await ok("conductor", "list", "-f", "json");
  expect(list).toHaveLength(1);
  const shown = await ok("conductor", "show", list[0].Hostname, "-f", "json");
  expect([shown.alive, shown.drivers]).toEqual([true, expect.arrayContaining(["fake-hardware"])]);
});
