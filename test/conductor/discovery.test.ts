/**
 * Discovery of servers nobody enrolled: an inventory posted to /v1/continue_inspection
 * without a token, whose MACs no port has, creates a node in `enroll` (only when
 * `discovery.enabled`), with ports, properties, BMC address and the stored inventory; an
 * existing node is never touched, and rules, rate limit and hostile bodies create nothing.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";

const ROOT = join(import.meta.dir, "../..");
const BAREMETAL = Bun.which("baremetal");

async function cli(cmd: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe", cwd: ROOT, env: { ...process.env, ...env } });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  return { code: await p.exited, out, err };
}

const V = { "X-OpenStack-Ironic-API-Version": "1.84" };
const GiB = 1024 ** 3;

function inventory(macs: string[], over: Record<string, unknown> = {}) {
  return {
    interfaces: macs.map((m, i) => ({ name: `eth${i}`, mac_address: m, ipv4_address: null, ipv6_address: null, has_carrier: true, lldp: null, vendor: null, product: null, client_id: null, biosdevname: null, speed_mbps: 1000, pci_address: null, driver: "virtio_net" })),
    cpu: { model_name: "QEMU CPU", frequency: "2000", count: 4, architecture: "x86_64", flags: [], socket_count: 1 },
    disks: [
      { name: "/dev/vda", model: null, size: 40 * GiB, rotational: false, wwn: null, serial: "a", vendor: null, wwn_with_extension: null, wwn_vendor_extension: null, hctl: null, by_path: null, logical_sectors: 512, physical_sectors: 512, tran: null },
      { name: "/dev/vdb", model: null, size: 20 * GiB, rotational: false, wwn: null, serial: "b", vendor: null, wwn_with_extension: null, wwn_vendor_extension: null, hctl: null, by_path: null, logical_sectors: 512, physical_sectors: 512, tran: null },
    ],
    memory: { total: 8 * GiB, physical_mb: 8192 },
    bmc_address: "10.9.0.5",
    bmc_v6address: null,
    system_vendor: { product_name: "Standard PC (Q35 + ICH9, 2009)", serial_number: "s-1", manufacturer: "QEMU", firmware: { vendor: null, version: null, build_date: null } },
    boot: { current_boot_mode: "uefi", pxe_interface: macs[1] ?? macs[0] ?? null },
    hostname: "rack1-u07",
    ...over,
  };
}

describe("discovery of unenrolled servers", () => {
  let h: TestConductor | null = null;
  afterEach(async () => {
    await h?.destroy();
    h = null;
  });
  const start = async (discovery: Record<string, unknown>) => (h = await startTestConductor({ discovery: { driver: "fake-hardware", ...discovery } }));
  const post = (body: unknown, headers: Record<string, string> = {}) => h!.api("POST", "/v1/continue_inspection", body, { ...V, ...headers });
  const nodes = async () => (await h!.api("GET", "/v1/nodes?fields=uuid,name,provision_state,properties,extra,driver_info")).json.nodes as any[];
  const fault = (r: { json: any }) => JSON.parse(r.json.error_message).faultstring as string;

  test("an unknown server becomes a node in enroll with ports, properties, BMC address and inventory; credentials + manage work", async () => {
    await start({ enabled: true, name_from_hostname: true });
    const macs = ["52:54:00:d1:00:01", "52:54:00:d1:00:02"];
    const r = await post({ inventory: inventory(macs.map((m) => m.toUpperCase())) });
    expect(r.status).toBe(202);
    const uuid = r.json.uuid as string;
    expect(Object.keys(r.json)).toEqual(["uuid"]); // no token, nothing else
    const node = (await h!.api("GET", `/v1/nodes/${uuid}`)).json;
    expect(node.provision_state).toBe("enroll");
    expect(node.name).toBe("rack1-u07");
    expect(node.driver).toBe("fake-hardware");
    expect(node.driver_info).toEqual({ ipmi_address: "10.9.0.5" });
    // root disk = smallest >= 4 GiB (20 GiB) less 1 GiB, as inspection
    expect(node.properties).toEqual({ cpus: 4, memory_mb: 8192, local_gb: 19, cpu_arch: "x86_64", capabilities: "boot_mode:uefi" });
    expect(node.extra).toEqual({ discovered: true, auto_discovered: true });
    expect(node.description).toContain("Discovered");
    const ports = (await h!.api("GET", `/v1/ports?node=${uuid}&fields=address,pxe_enabled`)).json.ports as any[];
    expect(ports.map((p) => [p.address, p.pxe_enabled]).sort()).toEqual([[macs[0], false], [macs[1], true]]);
    const inv = await h!.api("GET", `/v1/nodes/${uuid}/inventory`, undefined, { "X-OpenStack-Ironic-API-Version": "1.81" });
    expect(inv.status).toBe(200);
    expect(inv.json.inventory.bmc_address).toBe("10.9.0.5");
    expect(inv.json.plugin_data).toEqual({ auto_discovered: true });
    // the operator filters it in Ironic's terms
    const enrolled = (await h!.api("GET", "/v1/nodes?provision_state=enroll")).json.nodes as any[];
    expect(enrolled.map((n) => n.uuid)).toEqual([uuid]);
    // in enroll the agent's lookup still finds no node (it keeps looking up slowly)
    expect((await h!.api("GET", `/v1/lookup?addresses=${macs[0]}`)).status).toBe(404);
    // posting again (the agent retried) creates nothing and changes nothing
    expect((await post({ inventory: inventory(macs, { bmc_address: "10.9.0.99" }) })).status).toBe(404);
    expect((await nodes()).length).toBe(1);
    expect((await h!.api("GET", `/v1/nodes/${uuid}`)).json.driver_info).toEqual({ ipmi_address: "10.9.0.5" });
    // the usual flow: credentials, then manage
    const patch = await h!.api("PATCH", `/v1/nodes/${uuid}`, [{ op: "add", path: "/driver_info/ipmi_username", value: "admin" }]);
    expect(patch.status).toBe(200);
    expect((await h!.api("PUT", `/v1/nodes/${uuid}/states/provision`, { target: "manage" })).status).toBe(202);
    await h!.waitFor(uuid, (n) => n.provision_state === "manageable");
  });

  test("disabled (the default): the answer is today's 404 and nothing is created", async () => {
    h = await startTestConductor({});
    const r = await post({ inventory: inventory(["52:54:00:d2:00:01"]) });
    expect(r.status).toBe(404);
    expect(await nodes()).toEqual([]);
    expect((await h!.api("GET", "/v1/ports")).json.ports).toEqual([]);
  });

  test("a MAC that belongs to a port: refused, the existing node untouched, no node or port created", async () => {
    await start({ enabled: true });
    const existing = await h!.enroll("known", "52:54:00:d3:00:01");
    const before = (await h!.api("GET", `/v1/nodes/${existing}`)).json;
    const r = await post({ inventory: inventory(["52:54:00:d3:00:02", "52:54:00:D3:00:01"]) });
    expect(r.status).toBe(404);
    const after = (await h!.api("GET", `/v1/nodes/${existing}`)).json;
    expect(after.provision_state).toBe("manageable");
    expect(after.properties).toEqual(before.properties);
    expect(after.driver_info).toEqual(before.driver_info);
    expect((await nodes()).length).toBe(1);
    expect(((await h!.api("GET", "/v1/ports")).json.ports as any[]).map((p) => p.address)).toEqual(["52:54:00:d3:00:01"]);
    expect(h!.conductor.store.inventories.get(existing)).toBeNull();
  });

  test("ignore rules: a vendor regex or a MAC prefix refuses with a 403 and creates nothing", async () => {
    await start({ enabled: true, ignore: { vendors: ["^dell"], mac_prefixes: ["52:54:01"] } });
    const byVendor = await post({ inventory: inventory(["52:54:00:d4:00:01"], { system_vendor: { product_name: "R640", serial_number: "x", manufacturer: "Dell Inc.", firmware: { vendor: null, version: null, build_date: null } } }) });
    expect(byVendor.status).toBe(403);
    expect(fault(byVendor)).toBe("Discovery of a new node refused: the server matches the ignore rule vendor ^dell.");
    const byMac = await post({ inventory: inventory(["52:54:00:d4:00:02", "52:54:01:00:00:09"]) });
    expect(byMac.status).toBe(403);
    expect(fault(byMac)).toContain("mac prefix 52:54:01");
    expect(await nodes()).toEqual([]);
    expect((await post({ inventory: inventory(["52:54:00:d4:00:03"]) })).status).toBe(202);
  });

  test("rate limit: past max_per_minute a 429 with Retry-After, and nothing created", async () => {
    await start({ enabled: true, max_per_minute: 2 });
    const codes: number[] = [];
    let last: any;
    for (let i = 1; i <= 4; i++) {
      last = await post({ inventory: inventory([`52:54:00:d5:00:0${i}`]) });
      codes.push(last.status);
    }
    expect(codes).toEqual([202, 202, 429, 429]);
    expect(fault(last)).toContain("at most 2");
    const raw = await fetch(`${h!.url}/v1/continue_inspection`, { method: "POST", headers: { ...V, "Content-Type": "application/json" }, body: JSON.stringify({ inventory: inventory(["52:54:00:d5:00:09"]) }) });
    expect(raw.status).toBe(429);
    expect(raw.headers.get("retry-after")).toBe("60");
    expect((await nodes()).length).toBe(2);
    expect(((await h!.api("GET", "/v1/ports")).json.ports as any[]).length).toBe(2);
  });

  test("concurrent posts of one MAC create one node", async () => {
    await start({ enabled: true, max_per_minute: 100 });
    const rs = await Promise.all(Array.from({ length: 6 }, () => post({ inventory: inventory(["52:54:00:d6:00:01"]) })));
    expect(rs.filter((r) => r.status === 202).length).toBe(1);
    expect(rs.every((r) => r.status === 202 || (r.status >= 400 && r.status < 500))).toBe(true);
    expect((await nodes()).length).toBe(1);
  });

  test("hostile bodies get a 4xx and create nothing", async () => {
    await start({ enabled: true, max_interfaces: 4 });
    const good = inventory(["52:54:00:d7:00:01"]);
    const { cpu: _cpu, ...noCpu } = good;
    const cases: Array<[string, unknown]> = [
      ["not JSON", "{nope"],
      ["no inventory", {}],
      ["inventory missing cpu", { inventory: noCpu }],
      ["cpu count a string", { inventory: { ...good, cpu: { ...good.cpu, count: "4" } } }],
      ["no valid MAC", { inventory: inventory(["zz:zz", "00:00:00:00:00:00"]) }],
      ["too many interfaces", { inventory: inventory(["52:54:00:d7:01:01", "52:54:00:d7:01:02", "52:54:00:d7:01:03", "52:54:00:d7:01:04", "52:54:00:d7:01:05"]) }],
      ["an inventory of 300 KiB", { inventory: { ...good, pad: "x".repeat(300 * 1024) } }],
      ["an invented token", { inventory: good, agent_token: "x".repeat(43) }],
      ["an error report", { inventory: good, error: "boom" }],
      ["an array", [good]],
      ["deep nesting", { inventory: { ...good, extra: JSON.parse("[".repeat(200) + "]".repeat(200)) } }],
    ];
    for (const [what, body] of cases) {
      const r = await post(body);
      if (r.status < 400 || r.status >= 500) throw new Error(`${what}: ${r.status} ${r.text}`);
      expect(JSON.parse(r.json.error_message).faultstring.length).toBeGreaterThan(0);
    }
    const big = await post(JSON.stringify({ inventory: { ...good, pad: "x".repeat(1100 * 1024) } }));
    expect(big.status).toBe(413);
    // an unparseable BMC address or a hostile hostname is dropped, not stored as driver_info or name
    const odd = await post({ inventory: inventory(["52:54:00:d7:02:01"], { bmc_address: "10.0.0.1; reboot", hostname: "../../etc" }) });
    expect(odd.status).toBe(202);
    const n = (await h!.api("GET", `/v1/nodes/${odd.json.uuid}`)).json;
    expect(n.driver_info).toEqual({});
    expect(n.name).toBeNull();
    expect((await nodes()).length).toBe(1);
  });

  test("the operator sees discovered nodes: teeth node list (DISCOVERED column, --discovered) and baremetal node list", async () => {
    await start({ enabled: true, name_from_hostname: true });
    await h!.enroll("by-hand", "52:54:00:d8:00:01");
    const r = await post({ inventory: inventory(["52:54:00:d8:00:02"]) });
    expect(r.status).toBe(202);
    const teeth = (...args: string[]) => cli([process.execPath, join(ROOT, "main.ts"), "node", "list", ...args, "--url", h!.url]);
    let out = await teeth();
    expect(out.code).toBe(0);
    expect(out.out).toContain("DISCOVERED");
    expect(out.out).toMatch(/rack1-u07\s+enroll\s+yes/);
    expect(out.out).toMatch(/by-hand\s+power off\s+manageable\n/);
    out = await teeth("--discovered", "--json");
    expect((JSON.parse(out.out) as any[]).map((n) => n.name)).toEqual(["rack1-u07"]);
    if (!BAREMETAL) return;
    const bm = await cli([BAREMETAL, "node", "list", "--provision-state", "enroll", "--long", "-f", "json"], { OS_AUTH_TYPE: "none", OS_ENDPOINT: h!.url });
    if (bm.code !== 0) throw new Error(bm.err);
    const rows = JSON.parse(bm.out) as any[];
    expect(rows.map((n) => [n.name ?? n.Name, n.extra ?? n.Extra])).toEqual([["rack1-u07", { discovered: true, auto_discovered: true }]]);
  }, 60_000);
});
