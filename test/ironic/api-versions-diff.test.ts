/**
 * Differential test of microversions, node interfaces and drivers: the same requests to a real
 * Ironic 21.4 (fake-hardware, API max 1.82) and to a Teeth conductor configured with the same
 * enabled interfaces, at 1.1, 1.31, 1.50, 1.65 and 1.82. Statuses, the keys of every body (the
 * per-version field filtering), error texts, driver defaults and the fake deploy/clean end
 * states must agree.
 *
 * Known, intended differences (asserted as such):
 * - The maximum: Ironic 21.4 answers 1.82, Teeth 1.89 (so 1.83 is 406 on one side only).
 * - `/v1/drivers/{name}/properties`: Ironic lists every interface's driver_info keys (deploy,
 *   boot, ...); Teeth lists only the keys its own drivers read (none for fake-hardware).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestConductor, type TestConductor } from "../conductor/helpers/harness.ts";
import { createDiff, type Answer, type Side } from "./differential.ts";
import { ironicMissing, startIronic, type IronicServer } from "./ironic-server.ts";

const SKIP = ironicMissing();
if (SKIP) console.warn(`test/ironic api-versions-diff skipped: ${SKIP}`);

let ironic: IronicServer;
let teeth: TestConductor;
const uuids: Record<Side, Record<string, string>> = { ironic: {}, teeth: {} };
const VERSIONS = ["1.1", "1.31", "1.50", "1.65", "1.82"];

/** Teeth with Ironic's test configuration (`ironic.conf.in`): the same enabled and default interfaces. */
const SAME_AS_IRONIC = {
  cleaning: { automated_clean: false },
  interfaces: {
    enabled: {
      deploy: ["direct", "fake"], power: ["fake"], management: ["fake"], boot: ["fake"], inspect: ["no-inspect"], console: ["no-console"],
      raid: ["no-raid", "agent"], vendor: ["no-vendor"], network: ["noop"], rescue: ["no-rescue"], bios: ["no-bios"], storage: ["noop"],
    },
    defaults: { deploy: "direct" },
  },
};

const diff = createDiff({
  bases: () => ({ ironic: ironic.url, teeth: teeth.url }),
  path: (side, path) => Object.entries(uuids[side]).reduce((p, [name, uuid]) => p.replaceAll(`{${name}}`, uuid), path),
  text: (side, text) => Object.entries(uuids[side]).reduce((t, [name, uuid]) => t.replaceAll(uuid, `<${name}>`), text),
});
const { call, both } = diff;

const keys = (o: unknown) => (o && typeof o === "object" ? Object.keys(o).sort() : o);

async function waitState(name: string, state: string) {
  for (const side of ["ironic", "teeth"] as const) {
    let last = "";
    for (let i = 0; i < 300; i++) {
      last = (await call(side, "GET", `/v1/nodes/{${name}}`)).body.provision_state;
      if (last === state) break;
      await Bun.sleep(50);
    }
    expect({ side, name, state: last }).toEqual({ side, name, state });
  }
}

async function create(name: string, extra: Record<string, unknown> = {}) {
  for (const side of ["ironic", "teeth"] as const) {
    const r = await call(side, "POST", "/v1/nodes", { name, driver: "fake-hardware", ...extra });
    expect({ side, status: r.status, fault: r.fault }).toEqual({ side, status: 201, fault: null });
    uuids[side][name] = r.body.uuid;
  }
}

beforeAll(async () => {
  if (SKIP) return;
  [ironic, teeth] = await Promise.all([startIronic(), startTestConductor(SAME_AS_IRONIC)]);
  await create("av1");
  for (const side of ["ironic", "teeth"] as const) {
    const p = await call(side, "POST", "/v1/ports", { address: "52:54:00:a1:00:01", node_uuid: uuids[side].av1 });
    expect(p.status).toBe(201);
    uuids[side].port1 = p.body.uuid;
  }
}, 120_000);
afterAll(async () => {
  await Promise.all([ironic?.stop(), teeth?.destroy()]);
});

test.skipIf(!!SKIP)("nodes, ports, states and drivers carry the same fields at each version", async () => {
  for (const v of VERSIONS) {
    for (const path of ["/v1/nodes/{av1}", "/v1/nodes", "/v1/nodes/detail", "/v1/nodes/{av1}/states", "/v1/ports/{port1}", "/v1/ports", "/v1/ports/detail", "/v1/drivers", "/v1/drivers/fake-hardware"]) {
      const r = await both("GET", path, undefined, v);
      expect({ v, path, status: r.teeth.status }).toEqual({ v, path, status: r.ironic.status });
      const pick = (b: any) => b?.nodes?.[0] ?? b?.ports?.[0] ?? b?.drivers?.[0] ?? b;
      expect({ v, path, keys: keys(pick(r.teeth.body)) }).toEqual({ v, path, keys: keys(pick(r.ironic.body)) });
    }
  }
});

test.skipIf(!!SKIP)("interfaces: the same defaults on a new node and in the driver detail", async () => {
  const r = await both("GET", "/v1/nodes/{av1}");
  const ifaces = (n: any) => Object.fromEntries(Object.entries(n).filter(([k]) => k.endsWith("_interface")));
  expect(ifaces(r.teeth.body)).toEqual(ifaces(r.ironic.body));
  const d = await both("GET", "/v1/drivers?detail=True");
  const norm = (b: any) =>
    Object.fromEntries(Object.entries(b.drivers[0]).filter(([k]) => k.includes("_interface")).map(([k, x]) => [k, Array.isArray(x) ? [...x].sort() : x]));
  expect(norm(d.teeth.body)).toEqual(norm(d.ironic.body));
  for (const bad of [{ boot_interface: "ipxe" }, { deploy_interface: "ramdisk" }, { power_interface: "nope" }]) {
    const c = await both("POST", "/v1/nodes", { driver: "fake-hardware", ...bad });
    expect({ bad, status: c.teeth.status, fault: c.teeth.fault }).toEqual({ bad, status: c.ironic.status, fault: c.ironic.fault });
  }
  for (const path of ["/v1/drivers/nope", "/v1/drivers/fake-hardware/raid/logical_disk_properties", "/v1/drivers?detail=True&fields=name"]) {
    const x = await both("GET", path);
    expect({ path, status: x.teeth.status, fault: x.teeth.fault }).toEqual({ path, status: x.ironic.status, fault: x.ironic.fault });
  }
  const raid = await both("GET", "/v1/drivers/fake-hardware/raid/logical_disk_properties");
  expect(raid.teeth.body).toEqual(raid.ironic.body);
  const props = await both("GET", "/v1/drivers/fake-hardware/properties");
  expect([props.ironic.status, props.teeth.status]).toEqual([200, 200]);
});

test.skipIf(!!SKIP)("refusals: newer fields and verbs, fields=, detail=, bad versions, as Ironic", async () => {
  const cases: [string, string, unknown, string | undefined][] = [
    ["GET", "/v1/nodes/{av1}?fields=uuid,lessee", undefined, "1.64"],
    ["GET", "/v1/nodes?fields=uuid,shard", undefined, "1.81"],
    ["GET", "/v1/nodes?fields=uuid", undefined, "1.7"],
    ["GET", "/v1/nodes?detail=True", undefined, "1.42"],
    ["GET", "/v1/nodes?provision_state=enroll", undefined, "1.8"],
    ["GET", "/v1/nodes?driver=fake-hardware", undefined, "1.15"],
    ["GET", "/v1/nodes?resource_class=x", undefined, "1.20"],
    ["GET", "/v1/nodes?shard=x", undefined, "1.81"],
    ["GET", "/v1/ports/{port1}?fields=uuid,physical_network", undefined, "1.33"],
    ["GET", "/v1/nodes", undefined, "1.x"],
    ["GET", "/v1/nodes", undefined, "2.1"],
    ["GET", "/v1/nodes", undefined, "1.0"],
    ["POST", "/v1/nodes", { driver: "fake-hardware", owner: "o" }, "1.49"],
    ["POST", "/v1/nodes", { driver: "fake-hardware", resource_class: "c" }, "1.20"],
    ["PATCH", "/v1/nodes/{av1}", [{ op: "add", path: "/lessee", value: "l" }], "1.64"],
    ["PUT", "/v1/nodes/{av1}/states/provision", { target: "inspect" }, "1.5"],
    ["PUT", "/v1/nodes/{av1}/states/provision", { target: "abort" }, "1.12"],
    ["GET", "/v1/nodes/?fields=uuid,name", undefined, "1.82"],
  ];
  for (const [method, path, body, v] of cases) {
    const r = await both(method, path, body, v);
    expect({ method, path, v, status: r.teeth.status, fault: r.teeth.fault }).toEqual({ method, path, v, status: r.ironic.status, fault: r.ironic.fault });
  }
  // Ironic 21.4 answers an unknown field with a 500 (its bug); Teeth with a 400 naming it.
  const bogus = await both("GET", "/v1/nodes?fields=uuid,bogus");
  expect([bogus.ironic.status, bogus.teeth.status, bogus.teeth.fault]).toEqual([500, 400, 'Field(s) "bogus" are not valid']);
  const latest = await both("GET", "/v1/nodes", undefined, "latest");
  expect([latest.ironic.status, latest.teeth.status]).toEqual([200, 200]);
  // The intended difference: Teeth goes up to 1.89.
  const v83 = await both("GET", "/v1/nodes", undefined, "1.83");
  expect([v83.ironic.status, v83.teeth.status]).toEqual([406, 200]);
  expect(v83.ironic.fault).toBe("webob: Version 1.83 was requested but the minor version is not supported by this service. The supported version range is: [1.1, <max>].");
  expect(v83.ironic.status).toBe(406);
});

test.skipIf(!!SKIP)("PATCH maintenance as a string and retired in available: the same answers", async () => {
  let r = await both("PATCH", "/v1/nodes/{av1}", [{ op: "add", path: "/maintenance_reason", value: "x" }]);
  expect([r.ironic.status, r.teeth.status]).toEqual([400, 400]);
  // The list of patchable fields is each side's own (Teeth has 1.83-1.89's fields too).
  expect(r.teeth.fault!.split(":")[0]).toBe(r.ironic.fault!.split(":")[0]);
  r = await both("PATCH", "/v1/nodes/{av1}", [{ op: "replace", path: "/maintenance", value: "true" }]);
  expect([r.ironic.status, r.ironic.fault, r.teeth.status]).toEqual([200, null, 200]);
  expect([r.teeth.body.maintenance, r.teeth.body.maintenance_reason]).toEqual([r.ironic.body.maintenance, r.ironic.body.maintenance_reason]);
  r = await both("PATCH", "/v1/nodes/{av1}", [{ op: "replace", path: "/maintenance", value: false }]);
  expect([r.teeth.body.maintenance, r.teeth.body.maintenance_reason]).toEqual([r.ironic.body.maintenance, r.ironic.body.maintenance_reason]);
  r = await both("PATCH", "/v1/nodes/{av1}", [{ op: "add", path: "/retired_reason", value: "x" }]);
  expect([r.teeth.status, r.teeth.fault]).toEqual([r.ironic.status, r.ironic.fault]);
  await create("av2");
  for (const target of ["manage", "provide"]) {
    r = await both("PUT", "/v1/nodes/{av2}/states/provision", { target });
    expect([r.ironic.status, r.teeth.status]).toEqual([202, 202]);
    await waitState("av2", target === "manage" ? "manageable" : "available");
  }
  r = await both("PATCH", "/v1/nodes/{av2}", [{ op: "replace", path: "/retired", value: "true" }]);
  expect([r.ironic.status, r.teeth.status, r.teeth.fault]).toEqual([409, 409, r.ironic.fault]);
  r = await both("PUT", "/v1/nodes/{av2}/states/provision", { target: "manage" });
  await waitState("av2", "manageable");
  r = await both("PATCH", "/v1/nodes/{av2}", [{ op: "replace", path: "/retired", value: true }, { op: "add", path: "/retired_reason", value: "eol" }]);
  expect([r.ironic.status, r.teeth.status]).toEqual([200, 200]);
  r = await both("PUT", "/v1/nodes/{av2}/states/provision", { target: "provide" });
  expect([r.teeth.status, r.teeth.fault]).toEqual([r.ironic.status, r.ironic.fault]);
}, 60_000);

test.skipIf(!!SKIP)("fake deploy: cleaning and deploying finish at once on both", async () => {
  await create("av3", { deploy_interface: "fake", automated_clean: true });
  for (const [target, state] of [["manage", "manageable"], ["provide", "available"], ["active", "active"], ["deleted", "available"]]) {
    const r = await both("PUT", "/v1/nodes/{av3}/states/provision", { target });
    expect({ target, status: [r.ironic.status, r.teeth.status] }).toEqual({ target, status: [202, 202] });
    await waitState("av3", state!);
  }
  const n = await both("GET", "/v1/nodes/{av3}");
  expect([n.teeth.body.last_error, n.teeth.body.deploy_interface]).toEqual([n.ironic.body.last_error, n.ironic.body.deploy_interface]);
}, 60_000);

test.skipIf(!!SKIP)("baremetal CLI: driver list/show/property list, node list --fields, node validate on both", async () => {
  const bm = async (url: string, args: string[]) => {
    const p = Bun.spawn(["baremetal", ...args], { env: { ...process.env, OS_AUTH_TYPE: "none", OS_ENDPOINT: url }, stdout: "pipe", stderr: "pipe" });
    const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
    return { code: await p.exited, out, err };
  };
  for (const args of [
    ["driver", "list", "-f", "json"],
    ["driver", "show", "fake-hardware", "-f", "json"],
    ["driver", "property", "list", "fake-hardware", "-f", "json"],
    ["node", "list", "--fields", "uuid", "name", "-f", "json"],
    ["node", "validate", "av1", "-f", "json"],
  ]) {
    const [i, t] = await Promise.all([bm(ironic.url, args), bm(teeth.url, args)]);
    expect({ args, code: t.code, err: t.err }).toEqual({ args, code: i.code, err: i.err });
    const ij = JSON.parse(i.out);
    const tj = JSON.parse(t.out);
    if (args[0] === "driver" && args[1] === "show") expect(keys(tj)).toEqual(keys(ij));
    if (args[1] === "list" && args[0] === "node") expect(tj.map(keys)).toEqual(ij.map(keys));
    if (args[1] === "validate") expect(tj.map((x: any) => x.Interface).sort()).toEqual(ij.map((x: any) => x.Interface).sort());
  }
}, 60_000);

test.skipIf(!!SKIP)("version documents and unknown resources under known prefixes: the same statuses and bodies", async () => {
  for (const path of ["/", "/v1", "/v1/"]) {
    const r = await both("GET", path, undefined, "");
    expect({ path, status: r.teeth.status }).toEqual({ path, status: r.ironic.status });
    expect({ path, keys: keys(r.teeth.body) }).toEqual({ path, keys: keys(r.ironic.body) });
    const doc = (b: any) => b.default_version ?? b.version;
    expect({ path, keys: keys(doc(r.teeth.body)) }).toEqual({ path, keys: keys(doc(r.ironic.body)) });
  }
  for (const [method, path] of [
    ["GET", "/v1/bogus"], ["GET", "/v1/nodes/{av1}/bogus"], ["GET", "/v1/ports/{port1}/bogus"], ["GET", "/v1/nodes/nope"],
    ["GET", "/v1/drivers/fake-hardware/bogus"], ["PUT", "/v1/nodes"], ["DELETE", "/v1/ports"], ["PATCH", "/v1/nodes/"], ["POST", "/v1/drivers"],
  ] as const) {
    const r = await both(method, path);
    const inner = (a: Answer) => JSON.parse(a.body.error_message);
    expect({ method, path, status: r.teeth.status, body: inner(r.teeth) }).toEqual({ method, path, status: r.ironic.status, body: inner(r.ironic) });
  }
  // Intended difference: Teeth finds a port by UUID, MAC or name (1.88); Ironic 21.4 wants a UUID.
  const port = await both("GET", "/v1/ports/nope");
  expect([port.ironic.status, port.ironic.fault, port.teeth.status]).toEqual([400, "Expected UUID for port_uuid: nope", 404]);
});

test.skipIf(!!SKIP)("fake deploy: a manual clean ends as Ironic's does (state, last_error)", async () => {
  await create("av4", { deploy_interface: "fake" });
  let r = await both("PUT", "/v1/nodes/{av4}/states/provision", { target: "manage" });
  await waitState("av4", "manageable");
  for (const steps of [[{ interface: "deploy", step: "erase_devices" }], [{ interface: "raid", step: "delete_configuration" }], [{ interface: "deploy", step: "nope", args: { a: 1, b: [true, null] } }], [{ interface: "deploy", step: "erase_devices" }, { interface: "bios", step: "apply_configuration", args: { settings: [{ name: "it's", value: "x" }] } }]]) {
    r = await both("PUT", "/v1/nodes/{av4}/states/provision", { target: "clean", clean_steps: steps });
    expect({ steps, status: [r.ironic.status, r.teeth.status], fault: r.teeth.fault }).toEqual({ steps, status: [r.ironic.status, r.ironic.status], fault: r.ironic.fault });
    const settled: Record<string, any> = {};
    for (const side of ["ironic", "teeth"] as const) {
      for (let i = 0; i < 200; i++) {
        const n = (await call(side, "GET", "/v1/nodes/{av4}")).body;
        settled[side] = { state: n.provision_state, target: n.target_provision_state, last_error: n.last_error, clean_step: n.clean_step, maintenance: n.maintenance, fault: n.fault };
        if (!["cleaning", "clean wait"].includes(n.provision_state)) break;
        await Bun.sleep(50);
      }
    }
    expect({ steps, teeth: settled.teeth }).toEqual({ steps, teeth: settled.ironic });
    if (settled.ironic.state === "clean failed") {
      r = await both("PUT", "/v1/nodes/{av4}/states/provision", { target: "manage" });
      await waitState("av4", "manageable");
    }
  }
}, 60_000);

test.skipIf(!!SKIP)("deploy templates and instance traits: traits not on the node refused at the request; a fake deploy ignores template steps, as Ironic", async () => {
  await create("av5", { deploy_interface: "fake" });
  for (const [target, state] of [["manage", "manageable"], ["provide", "available"]] as const) {
    await both("PUT", "/v1/nodes/{av5}/states/provision", { target });
    await waitState("av5", state);
  }
  const step = { interface: "bios", step: "apply_configuration", args: { settings: [{ name: "LogicalProc", value: "Enabled" }] }, priority: 150 };
  for (const [path, body] of [["/v1/deploy_templates", { name: "CUSTOM_GOLD", steps: [step] }], ["/v1/nodes/{av5}/traits", { traits: ["CUSTOM_GOLD", "CUSTOM_PLAIN"] }]] as const) {
    const r = await both(path.includes("traits") ? "PUT" : "POST", path, body);
    expect({ path, status: [r.ironic.status, r.teeth.status] }).toEqual({ path, status: [r.ironic.status, r.ironic.status] });
  }
  const deploy = async (traits: unknown) => {
    await both("PATCH", "/v1/nodes/{av5}", [{ op: "add", path: "/instance_info/traits", value: traits }]);
    const r = await both("PUT", "/v1/nodes/{av5}/states/provision", { target: "active" });
    expect({ traits, status: r.teeth.status, fault: r.teeth.fault }).toEqual({ traits, status: r.ironic.status, fault: r.ironic.fault });
    const settled: Record<string, any> = {};
    for (const side of ["ironic", "teeth"] as const) {
      for (let i = 0; i < 200; i++) {
        const n = (await call(side, "GET", "/v1/nodes/{av5}")).body;
        settled[side] = { state: n.provision_state, target: n.target_provision_state, last_error: n.last_error };
        if (!["deploying", "wait call-back"].includes(n.provision_state)) break;
        await Bun.sleep(50);
      }
    }
    expect({ traits, teeth: settled.teeth }).toEqual({ traits, teeth: settled.ironic });
  };
  await deploy(["CUSTOM_SILVER"]);
  await deploy("CUSTOM_GOLD");
  await deploy(["CUSTOM_PLAIN"]);
  await both("PUT", "/v1/nodes/{av5}/states/provision", { target: "deleted" });
  await waitState("av5", "available");
  await deploy(["CUSTOM_GOLD"]);
}, 60_000);
