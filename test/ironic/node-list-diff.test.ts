/**
 * Differential test of the node list's filters: the same nodes (same UUIDs, owners, lessees,
 * descriptions, resource classes, shards, instances, chassis, retired and
 * maintenance flags) made in a real Ironic 21.4 and in Teeth, then the same queries on both:
 * every filter alone and combined, with paging across them, their type errors, their
 * microversion gates, and the order Ironic checks them in. The UUIDs listed and the
 * statuses and error texts must be equal.
 *
 * Known, intended differences (asserted as such):
 * - `parent_node` / `include_children` (1.83) are newer than Ironic 21.4, which calls them
 *   "Unexpected arguments" at 1.82; Teeth follows Ironic 1.83+ (406 naming 1.83 below it).
 *   Their behaviour is tested against Teeth alone in test/conductor/node-list-filters.test.ts.
 * - Paging sorted by a key that is NULL for some nodes: Ironic's walk ends at the first NULL
 *   marker, Teeth's lists every node once (conductor/store/keyset-page.ts).
 * - The `fault` error lists 'service failure' on Teeth (Ironic added it with servicing, 1.87).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestConductor, type TestConductor } from "../conductor/helpers/harness.ts";
import { createDiff } from "./differential.ts";
import { ironicMissing, startIronic, type IronicServer } from "./ironic-server.ts";

const SKIP = ironicMissing();
if (SKIP) console.warn(`test/ironic node-list-diff skipped: ${SKIP}`);

let ironic: IronicServer;
let teeth: TestConductor;
const { call, both } = createDiff({ bases: () => ({ ironic: ironic.url, teeth: teeth.url }) });

const CH = "c2c2c2c2-0000-4000-8000-000000000001";
const id = (n: number) => `a2a2a2a2-0000-4000-8000-00000000000${n}`;
const INSTANCE = "12121212-0000-4000-8000-000000000001";

/**
 * The nodes, each made the same way on both sides. `owner` and `retired` are patched after
 * create: noauth Ironic refuses an owner on create ("project scoped admin"), enroll allows retired.
 */
const NODES: { n: number; body: Record<string, unknown>; patch?: Record<string, unknown> }[] = [
  { n: 1, body: { name: "l1", description: "Rack A, GPU box", resource_class: "gpu", shard: "s1" }, patch: { owner: "acme" } },
  { n: 2, body: { name: "l2", lessee: "beta", description: "rack b", resource_class: "gpu", shard: "s2" }, patch: { owner: "acme", retired: true } },
  { n: 3, body: { lessee: "acme", description: "100%_cpu", resource_class: "cpu", chassis_uuid: CH } },
  { n: 4, body: { name: "l4", maintenance: true }, patch: { instance_uuid: INSTANCE } },
  { n: 5, body: { shard: "S1" }, patch: { owner: "zeta", retired: true } },
];

beforeAll(async () => {
  if (SKIP) return;
  [ironic, teeth] = await Promise.all([startIronic(), startTestConductor()]);
  for (const side of ["ironic", "teeth"] as const) {
    expect((await call(side, "POST", "/v1/chassis", { uuid: CH })).status).toBe(201);
    for (const { n, body, patch } of NODES) {
      const r = await call(side, "POST", "/v1/nodes", { uuid: id(n), driver: "fake-hardware", ...body });
      expect({ side, n, status: r.status, fault: r.fault }).toEqual({ side, n, status: 201, fault: null });
      if (!patch) continue;
      const ops = Object.entries(patch).map(([k, value]) => ({ op: "add", path: `/${k}`, value }));
      const p = await call(side, "PATCH", `/v1/nodes/${id(n)}`, ops);
      expect({ side, n, status: p.status, fault: p.fault }).toEqual({ side, n, status: 200, fault: null });
    }
  }
}, 120_000);
afterAll(async () => {
  await Promise.all([ironic?.stop(), teeth?.destroy()]);
});

/** The node numbers a list names, in order. */
const listed = (body: any) => (body?.nodes ?? []).map((n: any) => Number(n.uuid.slice(-1)));

test.skipIf(!!SKIP)("each filter, alone and combined, lists the same nodes as Ironic", async () => {
  const queries: [string, number[]][] = [
    ["", [1, 2, 3, 4, 5]],
    ["retired=True", [2, 5]],
    ["retired=false", [1, 3, 4]],
    ["owner=acme", [1, 2]],
    ["lessee=acme", [3]],
    ["project=acme", [1, 2, 3]],
    ["description_contains=rack", [1, 2]],
    ["description_contains=0%_", [3]],
    ["resource_class=gpu", [1, 2]],
    ["conductor_group=rack-a", []],
    ["conductor_group=", [1, 2, 3, 4, 5]],
    ["shard=s1", [1]],
    ["shard=S2,s1", [1, 2]],
    ["shard=S1", [1]],
    ["shard=,", []],
    ["sharded=true", [1, 2, 5]],
    ["sharded=false", [3, 4]],
    ["maintenance=true", [4]],
    ["associated=True", [4]],
    ["associated=False&maintenance=false", [1, 2, 3, 5]],
    [`instance_uuid=${INSTANCE}`, [4]],
    [`chassis_uuid=${CH}`, [3]],
    ["provision_state=enroll", [1, 2, 3, 4, 5]],
    ["provision_state=available", []],
    ["driver=fake-hardware&owner=acme&retired=false", [1]],
    ["fault=power failure", []],
    ["conductor=nobody", []],
    ["sort_key=name&sort_dir=desc&retired=false", [4, 1, 3]],
  ];
  for (const [q, want] of queries) {
    for (const path of [`/v1/nodes?fields=uuid&${q}`, `/v1/nodes/detail?${q}`]) {
      const r = await both("GET", path);
      expect({ path, status: r.teeth.status, fault: r.teeth.fault, nodes: listed(r.teeth.body) }).toEqual({ path, status: r.ironic.status, fault: r.ironic.fault, nodes: listed(r.ironic.body) });
      expect({ path, nodes: listed(r.teeth.body) }).toEqual({ path, nodes: want });
    }
  }
});

test.skipIf(!!SKIP)("paging walks a filtered list once, page by page, as Ironic", async () => {
  const walk = async (side: "ironic" | "teeth", q: string) => {
    const seen: number[] = [];
    let marker = "";
    for (let i = 0; i < 10; i++) {
      const r = await call(side, "GET", `/v1/nodes?fields=uuid&limit=1&${q}${marker}`);
      expect(r.status).toBe(200);
      const page = listed(r.body);
      if (!page.length) break;
      seen.push(...page);
      marker = `&marker=${id(page.at(-1)!)}`;
    }
    return seen;
  };
  for (const q of ["retired=false", "project=acme", "sort_key=uuid&sort_dir=desc&sharded=true"]) {
    expect({ q, teeth: await walk("teeth", q) }).toEqual({ q, teeth: await walk("ironic", q) });
  }
  // Deliberate: Ironic's keyset query never crosses between NULL and non-NULL sort keys (node 5
  // has no name), so its walk ends early; Teeth's lists every node once.
  for (const [dir, ironicWalk, teethWalk] of [["asc", [5], [5, 1, 2]], ["desc", [2, 1], [2, 1, 5]]] as const) {
    const q = `sort_key=name&sort_dir=${dir}&sharded=true`;
    expect({ q, ironic: await walk("ironic", q), teeth: await walk("teeth", q) }).toEqual({ q, ironic: [...ironicWalk], teeth: [...teethWalk] });
  }
});

test.skipIf(!!SKIP)("bad values, unknown parameters and version gates: Ironic's status and text, in Ironic's order", async () => {
  const cases: [string, string?][] = [
    ["/v1/nodes?retired=perhaps"],
    ["/v1/nodes?sharded=2"],
    ["/v1/nodes?maintenance=maybe&retired=nope"],
    ["/v1/nodes?chassis_uuid=nope"],
    ["/v1/nodes?instance_uuid=12"],
    ["/v1/nodes?provision_state=sleeping"],
    ["/v1/nodes?provision_state=enroll", "1.8"],
    ["/v1/nodes?chassis_uuid=99999999-0000-4000-8000-000000000009"],
    ["/v1/nodes?bogus=1"],
    ["/v1/nodes/detail?fields=uuid"],
    ["/v1/nodes?limit=0&retired=x"],
    ["/v1/nodes?limit=-1"],
    ["/v1/nodes?limit=two"],
    ["/v1/nodes?fault=power failure", "1.41"],
    ["/v1/nodes?conductor_group=a", "1.45"],
    ["/v1/nodes?conductor=a", "1.48"],
    ["/v1/nodes?owner=a", "1.49"],
    ["/v1/nodes?lessee=a", "1.64"],
    ["/v1/nodes?shard=a", "1.81"],
    ["/v1/nodes?sharded=true", "1.81"],
    ["/v1/nodes?driver=x&owner=y", "1.15"],
    ["/v1/nodes?owner=y&lessee=z", "1.49"],
    ["/v1/nodes?retired=true", "1.1"],
    ["/v1/nodes?project=acme&description_contains=x", "1.1"],
    ["/v1/nodes?detail=True&retired=true", "1.42"],
    ["/v1/nodes?fields=uuid&detail=True"],
    ["/v1/nodes?sort_dir=up&retired=True"],
    ["/v1/nodes?sort_key=extra"],
    ["/v1/nodes?sort_key=shard", "1.81"],
    // A repeated parameter (gophercloud 0.12 sends lists so) is a list no validator takes.
    ["/v1/nodes?fields=uuid&fields=name"],
    ["/v1/nodes?provision_state=enroll&provision_state=available"],
    ["/v1/nodes?maintenance=false&maintenance=true"],
    ["/v1/nodes?limit=1&limit=2"],
    [`/v1/nodes?chassis_uuid=${CH}&chassis_uuid=${CH}`],
    ["/v1/nodes/detail?shard=a&shard=b"],
  ];
  for (const [path, v] of cases) {
    const r = await both("GET", path, undefined, v);
    expect({ path, v, status: r.teeth.status, fault: r.teeth.fault }).toEqual({ path, v, status: r.ironic.status, fault: r.ironic.fault });
  }
  // 'service failure' is a fault of newer Ironic (servicing): listed by Teeth only.
  const fault = await both("GET", "/v1/nodes?fault=bogus");
  expect([fault.ironic.status, fault.teeth.status]).toEqual([400, 400]);
  expect(fault.teeth.fault).toBe(fault.ironic.fault!.replace("')", "', 'service failure')"));
  // Child-node filters: 1.83, newer than Ironic 21.4.
  for (const q of ["parent_node=x", "include_children=true"]) {
    const r = await both("GET", `/v1/nodes?${q}`);
    expect([r.ironic.status, r.ironic.fault, r.teeth.status, r.teeth.fault]).toEqual([
      400, `Unexpected arguments: ${q.split("=")[0]}`, 406, "Request not acceptable. The minimal required API version should be 1.83",
    ]);
  }
});

test.skipIf(!!SKIP)("a conductor group no conductor serves is refused on create and PATCH; the default group is fine", async () => {
  for (const group of ["Rack-A", "rack-b"]) {
    const r = await both("POST", "/v1/nodes", { driver: "fake-hardware", conductor_group: group });
    expect({ group, status: r.teeth.status, fault: r.teeth.fault }).toEqual({ group, status: r.ironic.status, fault: r.ironic.fault });
    const p = await both("PATCH", `/v1/nodes/${id(3)}`, [{ op: "add", path: "/conductor_group", value: group }]);
    expect({ group, status: p.teeth.status, fault: p.teeth.fault }).toEqual({ group, status: p.ironic.status, fault: p.ironic.fault });
  }
  const p = await both("PATCH", `/v1/nodes/${id(3)}`, [{ op: "add", path: "/conductor_group", value: "" }]);
  expect([p.ironic.status, p.teeth.status, p.teeth.body.conductor_group]).toEqual([200, 200, p.ironic.body.conductor_group]);
  const conductors = await both("GET", "/v1/conductors?fields=conductor_group");
  expect(conductors.teeth.body.conductors.map((x: any) => x.conductor_group)).toEqual(conductors.ironic.body.conductors.map((x: any) => x.conductor_group));
});
