/**
 * Differential test: the same requests on chassis, portgroups, allocations, deploy templates,
 * volume connectors/targets, conductors and events sent to a real Ironic 21.4 (API up to 1.82)
 * and to the Teeth conductor. Resources are created with the same UUIDs on both sides, so
 * after replacing each side's base URL, host name and timestamps the bodies must be EQUAL
 * (values included) unless a case says otherwise; statuses must always be equal.
 *
 * Deliberate differences, asserted per case (`faults: "differ"`):
 * - Malformed bodies: both 400, Ironic's jsonschema wording ("Schema error for chassis: ...")
 *   on one side, Teeth's field-named zod wording on the other.
 * - Below a resource's microversion Ironic answers its framework's 404/405 body
 *   (`{"code": 404, "title": "Not Found", ...}` inside error_message); Teeth answers the same
 *   status with its usual `faultstring` body.
 * - Allocations: Ironic answers 201 in state `allocating` and allocates in a worker; Teeth
 *   allocates within the request, so its 201 already says `active`/`error`. The test waits
 *   for Ironic's worker and then compares the allocation.
 * - Ironic 21.4 finds a node's portgroups and volume connectors/targets by UUID only (a name is its 404);
 *   Teeth takes a name too. The cases use the UUID.
 * - Deleting a portgroup that still has ports: Ironic 21.4 on SQLite answers 500 (the
 *   foreign key fails before its PortgroupNotEmpty check); Teeth answers that check's 400.
 * - A port put in another node's portgroup: Ironic 21.4 answers 500 (its BadRequest is not
 *   an HTTP error there); Teeth answers 400 with Ironic's message.
 * - Conductors: Ironic lists the drivers it enabled (fake-hardware here), Teeth its own.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestConductor, type TestConductor } from "../conductor/helpers/harness.ts";
import { createDiff, shape } from "./differential.ts";
import { ironicMissing, startIronic, type IronicServer } from "./ironic-server.ts";

const SKIP = ironicMissing();
if (SKIP) console.warn(`test/ironic resources-api-diff skipped: ${SKIP}`);

let ironic: IronicServer;
let teeth: TestConductor;

const C1 = "c1c1c1c1-0000-4000-8000-000000000001";
const C2 = "c1c1c1c1-0000-4000-8000-000000000002";
const N1 = "a1a1a1a1-0000-4000-8000-000000000001";
const N2 = "a1a1a1a1-0000-4000-8000-000000000002";
const P1 = "b1b1b1b1-0000-4000-8000-000000000001";
const PORT1 = "b1b1b1b1-0000-4000-8000-0000000000f1";
const A1 = "d1d1d1d1-0000-4000-8000-000000000001";
const A2 = "d1d1d1d1-0000-4000-8000-000000000002";
const T1 = "e1e1e1e1-0000-4000-8000-000000000001";
const VC1 = "f1f1f1f1-0000-4000-8000-000000000001";
const VT1 = "f1f1f1f1-0000-4000-8000-0000000000a1";
const MISSING = "99999999-0000-4000-8000-000000000009";

/** Each side's host name and every timestamp read as placeholders, so whole bodies compare. */
function normalize(side: "ironic" | "teeth", text: string): string {
  const host = side === "ironic" ? "teeth-ironic-compat" : teeth.conductor.ctx.hostname;
  let out = text.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00/g, "<time>");
  if (host) out = out.replaceAll(`"${host}"`, '"<host>"').replaceAll(`/${host}"`, '/<host>"');
  return out;
}

const { call } = createDiff({ bases: () => ({ ironic: ironic.url, teeth: teeth.url }), text: normalize });

interface Case {
  m: string;
  p: string;
  body?: unknown;
  v?: string;
  status: number;
  /** Where Ironic 21.4 answers otherwise by a bug of its own (Teeth gives `status`). */
  ironicStatus?: number;
  /** "same" (default): error texts equal; "differ": a deliberate wording difference. */
  faults?: "same" | "differ";
  /** "equal" (default): bodies equal after normalising; "shape": same keys and types; "keys": same top-level keys. */
  compare?: "equal" | "shape" | "keys";
  /** Compare only these keys' values (node views: their per-version fields are another module's). */
  pick?: string[];
}

async function check(cases: Case[]) {
  for (const k of cases) {
    const i = await call("ironic", k.m, k.p, k.body, k.v);
    const t = await call("teeth", k.m, k.p, k.body, k.v);
    const label = `${k.m} ${k.p} @${k.v ?? "1.82"} ${k.body ? JSON.stringify(k.body).slice(0, 80) : ""}`;
    expect({ label, ironic: i.status, teeth: t.status }).toEqual({ label, ironic: k.ironicStatus ?? k.status, teeth: k.status });
    if (k.status >= 400) {
      expect({ label, teeth: typeof t.fault }).toEqual({ label, teeth: "string" });
      if ((k.faults ?? "same") === "same" && !k.ironicStatus) expect({ label, fault: t.fault }).toEqual({ label, fault: i.fault });
      continue;
    }
    if (k.pick) {
      const pick = (b: any) => Object.fromEntries(k.pick!.map((f) => [f, b[f]]));
      expect({ label, body: pick(t.body) }).toEqual({ label, body: pick(i.body) });
    } else if ((k.compare ?? "equal") === "equal") expect({ label, body: t.body }).toEqual({ label, body: i.body });
    else if (k.compare === "shape") expect({ label, shape: shape(t.body) }).toEqual({ label, shape: shape(i.body) });
    else expect({ label, keys: Object.keys(t.body).sort() }).toEqual({ label, keys: Object.keys(i.body).sort() });
  }
}

async function both(method: string, path: string, body?: unknown): Promise<void> {
  for (const side of ["ironic", "teeth"] as const) {
    const r = await call(side, method, path, body);
    if (r.status >= 300) throw new Error(`${side} ${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  }
}

async function waitBoth(path: string, pred: (b: any) => boolean): Promise<void> {
  for (const side of ["ironic", "teeth"] as const) {
    const end = Date.now() + 60_000;
    for (;;) {
      const r = await call(side, "GET", path);
      if (pred(r.body)) break;
      if (Date.now() > end) throw new Error(`${side}: ${path} never matched: ${JSON.stringify({ state: r.body?.provision_state, power: r.body?.power_state, last_error: r.body?.last_error, state_of: r.body?.state })}`);
      await Bun.sleep(100);
    }
  }
}

beforeAll(async () => {
  if (SKIP) return;
  [ironic, teeth] = await Promise.all([startIronic(), startTestConductor({ cleaning: { automated_clean: false } })]);
}, 120_000);
afterAll(async () => {
  await Promise.all([ironic?.stop(), teeth?.destroy()]);
});

test.skipIf(!!SKIP)("every collection is an empty 200 list at first", async () => {
  await check(["chassis", "portgroups", "allocations", "deploy_templates", "volume/connectors", "volume/targets"].map((c) => ({ m: "GET", p: `/v1/${c}`, status: 200 })));
});

test.skipIf(!!SKIP)("chassis", async () => {
  await check([
    { m: "POST", p: "/v1/chassis", body: { uuid: C1, description: "rack a", extra: { row: 1 } }, status: 201 },
    { m: "POST", p: "/v1/chassis", body: { uuid: C2, description: "rack b" }, status: 201 },
    { m: "POST", p: "/v1/chassis", body: { uuid: C1 }, status: 409 },
    { m: "POST", p: "/v1/chassis", body: { description: "x", bogus: 1 }, status: 400, faults: "differ" },
    { m: "POST", p: "/v1/chassis", body: { description: 7 }, status: 400, faults: "differ" },
    { m: "GET", p: "/v1/chassis", status: 200 },
    { m: "GET", p: "/v1/chassis/detail", status: 200 },
    { m: "GET", p: "/v1/chassis?detail=True", status: 200 },
    { m: "GET", p: "/v1/chassis?fields=uuid,extra", status: 200 },
    { m: "GET", p: "/v1/chassis?limit=1", status: 200 },
    { m: "GET", p: `/v1/chassis?limit=1&marker=${C1}`, status: 200 },
    { m: "GET", p: "/v1/chassis?sort_key=description&sort_dir=desc", status: 200 },
    { m: "GET", p: "/v1/chassis?sort_key=extra", status: 400 },
    { m: "GET", p: "/v1/chassis?sort_key=bogus", status: 400 },
    { m: "GET", p: "/v1/chassis?sort_dir=up", status: 400 },
    { m: "GET", p: "/v1/chassis?limit=0", status: 400 },
    { m: "GET", p: `/v1/chassis?marker=${MISSING}`, status: 404 },
    { m: "GET", p: "/v1/chassis?fields=uuid", v: "1.7", status: 406 },
    { m: "GET", p: "/v1/chassis?fields=uuid&detail=True", status: 400 },
    { m: "GET", p: `/v1/chassis/${C1}`, status: 200 },
    { m: "GET", p: `/v1/chassis/${C1}?fields=description`, status: 200 },
    { m: "GET", p: `/v1/chassis/${C1}?fields=bogus`, status: 400 },
    { m: "GET", p: `/v1/chassis/${MISSING}`, status: 404 },
    { m: "GET", p: "/v1/chassis/foo", status: 400 },
    { m: "PATCH", p: `/v1/chassis/${C1}`, body: [{ op: "replace", path: "/description", value: "rack A" }, { op: "add", path: "/extra/col", value: 2 }], status: 200 },
    { m: "PATCH", p: `/v1/chassis/${C1}`, body: [{ op: "replace", path: "/created_at", value: "x" }], status: 400 },
    { m: "PATCH", p: `/v1/chassis/${C1}`, body: [{ op: "remove", path: "/description" }], status: 200 },
    { m: "POST", p: "/v1/nodes", body: { uuid: N1, name: "dn1", driver: "fake-hardware", chassis_uuid: MISSING }, status: 400 },
  ]);
  await both("POST", "/v1/nodes", { uuid: N1, name: "dn1", driver: "fake-hardware", chassis_uuid: C1 });
  await check([
    { m: "GET", p: `/v1/chassis/${C1}/nodes`, status: 200, compare: "shape" },
    { m: "PATCH", p: "/v1/nodes/dn1", body: [{ op: "replace", path: "/chassis_uuid", value: MISSING }], status: 400 },
    { m: "DELETE", p: `/v1/chassis/${C1}`, status: 400 },
    { m: "DELETE", p: `/v1/chassis/${C2}`, status: 204 },
    { m: "GET", p: `/v1/chassis/${C2}`, status: 404 },
  ]);
  await both("PATCH", "/v1/nodes/dn1", [{ op: "remove", path: "/chassis_uuid" }]);
  await check([{ m: "DELETE", p: `/v1/chassis/${C1}`, status: 204 }]);
}, 60_000);

test.skipIf(!!SKIP)("portgroups and their ports", async () => {
  await check([
    { m: "GET", p: "/v1/portgroups", v: "1.22", status: 404, faults: "same" },
    { m: "GET", p: `/v1/portgroups/${P1}`, v: "1.22", status: 404, faults: "differ" },
    { m: "POST", p: "/v1/portgroups", body: { uuid: P1, node_uuid: N1, address: "52:54:00:AA:00:01", name: "bond0", extra: { a: 1 } }, status: 201 },
    { m: "POST", p: "/v1/portgroups", body: { node_uuid: N1, address: "52:54:00:aa:00:01" }, status: 409 },
    { m: "POST", p: "/v1/portgroups", body: { node_uuid: N1, name: "bond0" }, status: 409 },
    { m: "POST", p: "/v1/portgroups", body: { node_uuid: MISSING }, status: 400 },
    { m: "POST", p: "/v1/portgroups", body: { node_uuid: N1, address: "zz" }, status: 400, faults: "differ" },
    { m: "POST", p: "/v1/portgroups", body: { node_uuid: N1, name: "a b" }, status: 400, faults: "differ" },
    { m: "POST", p: "/v1/portgroups", body: { address: "52:54:00:aa:00:02" }, status: 400, faults: "differ" },
    { m: "GET", p: "/v1/portgroups", status: 200 },
    { m: "GET", p: "/v1/portgroups/detail", status: 200 },
    { m: "GET", p: "/v1/portgroups?fields=uuid,mode", status: 200 },
    { m: "GET", p: "/v1/portgroups?fields=mode", v: "1.25", status: 406 },
    { m: "GET", p: "/v1/portgroups?node=dn1", status: 200 },
    { m: "GET", p: "/v1/portgroups?address=52:54:00:aa:00:01", status: 200 },
    { m: "GET", p: "/v1/portgroups/bond0", status: 200 },
    { m: "GET", p: "/v1/portgroups/bond0", v: "1.25", status: 200 },
    { m: "GET", p: "/v1/portgroups/nope", status: 404 },
  ]);
  // The port's own fields per microversion are the ports API's business; here only its portgroup.
  await both("POST", "/v1/ports", { uuid: PORT1, node_uuid: N1, address: "52:54:00:aa:00:01", portgroup_uuid: P1 });
  await both("POST", "/v1/nodes", { uuid: N2, name: "dn2", driver: "fake-hardware", resource_class: "gold" });
  await check([
    // Ironic 21.4 raises its BadRequest here, which reaches the client as a 500; Teeth says the same words with 400.
    { m: "POST", p: "/v1/ports", body: { node_uuid: N2, address: "52:54:00:aa:00:09", portgroup_uuid: P1 }, status: 400, ironicStatus: 500 },
    { m: "POST", p: "/v1/ports", body: { node_uuid: N1, address: "52:54:00:aa:00:09", portgroup_uuid: MISSING }, status: 400 },
    { m: "PATCH", p: `/v1/ports/${PORT1}`, body: [{ op: "replace", path: "/portgroup_uuid", value: MISSING }], status: 400 },
    { m: "GET", p: `/v1/ports/${PORT1}`, status: 200, pick: ["uuid", "portgroup_uuid"] },
    { m: "GET", p: `/v1/portgroups/${P1}/ports`, status: 200 },
    { m: "GET", p: `/v1/portgroups/${P1}/ports`, v: "1.23", status: 404, faults: "differ" },
    { m: "GET", p: `/v1/nodes/${N1}/portgroups`, status: 200 },
    { m: "GET", p: `/v1/nodes/${N1}/portgroups/detail`, status: 200 },
    { m: "PATCH", p: "/v1/portgroups/bond0", body: [{ op: "replace", path: "/mode", value: "802.3ad" }, { op: "add", path: "/properties/miimon", value: "100" }], status: 200 },
    { m: "PATCH", p: "/v1/portgroups/bond0", body: [{ op: "remove", path: "/mode" }], status: 400 },
    // Ironic 21.4 on SQLite: the foreign key fails first, a 500; its code means PortgroupNotEmpty (400).
    { m: "DELETE", p: "/v1/portgroups/bond0", status: 400, ironicStatus: 500 },
    { m: "DELETE", p: `/v1/ports/${PORT1}`, status: 204 },
    { m: "DELETE", p: "/v1/portgroups/bond0", status: 204 },
    { m: "GET", p: "/v1/portgroups/bond0", status: 404 },
  ]);
}, 60_000);

test.skipIf(!!SKIP)("allocations: gate, errors, a failed and a successful allocation, deallocation", async () => {
  await check([
    { m: "GET", p: "/v1/allocations", v: "1.51", status: 404, faults: "differ" },
    { m: "POST", p: "/v1/allocations", body: { resource_class: "gold" }, v: "1.51", status: 405, faults: "differ" },
    { m: "POST", p: "/v1/allocations", body: {}, status: 400 },
    { m: "POST", p: "/v1/allocations", body: { resource_class: "gold", traits: ["lowercase"] }, status: 400, faults: "differ" },
    { m: "POST", p: "/v1/allocations", body: { resource_class: "gold", bogus: 1 }, status: 400, faults: "differ" },
    { m: "POST", p: "/v1/allocations", body: { resource_class: "gold", candidate_nodes: [MISSING] }, status: 400 },
    { m: "POST", p: "/v1/allocations", body: { resource_class: "gold", node: "dn1" }, v: "1.57", status: 400 },
    { m: "POST", p: "/v1/allocations", body: { uuid: A1, name: "none-1", resource_class: "gold", extra: { k: "v" } }, status: 201, compare: "keys" },
  ]);
  await waitBoth(`/v1/allocations/${A1}`, (b) => b.state !== "allocating");
  await check([
    { m: "GET", p: `/v1/allocations/${A1}`, status: 200 },
    { m: "GET", p: "/v1/allocations/none-1?fields=uuid,state,last_error", status: 200 },
    { m: "GET", p: "/v1/allocations/none-1?fields=owner", v: "1.59", status: 406 },
    { m: "GET", p: `/v1/allocations/${MISSING}`, status: 404 },
    { m: "GET", p: "/v1/allocations", status: 200 },
    { m: "GET", p: "/v1/allocations?state=error&fields=uuid,name", status: 200 },
    { m: "GET", p: "/v1/allocations?resource_class=silver", status: 200 },
    { m: "GET", p: "/v1/allocations?limit=1", status: 200 },
    { m: "GET", p: "/v1/allocations?sort_key=traits", status: 400 },
    { m: "GET", p: "/v1/allocations?node=nope", status: 400 },
    { m: "PATCH", p: "/v1/allocations/none-1", body: [{ op: "add", path: "/extra/k2", value: 1 }], status: 200 },
    { m: "PATCH", p: "/v1/allocations/none-1", body: [{ op: "add", path: "/extra/k3", value: 1 }], v: "1.56", status: 405, faults: "differ" },
    { m: "PATCH", p: "/v1/allocations/none-1", body: [{ op: "replace", path: "/resource_class", value: "x" }], status: 400 },
    { m: "GET", p: "/v1/nodes/dn1/allocation", status: 404 },
    { m: "DELETE", p: "/v1/allocations/none-1", status: 204 },
  ]);

  await both("PUT", "/v1/nodes/dn2/states/provision", { target: "manage" });
  await waitBoth("/v1/nodes/dn2", (n) => n.provision_state === "manageable");
  await both("PUT", "/v1/nodes/dn2/states/provision", { target: "provide" });
  await waitBoth("/v1/nodes/dn2", (n) => n.provision_state === "available");
  // Ironic allocates only nodes with a power state (fake-hardware has none until set).
  await both("PUT", "/v1/nodes/dn2/states/power", { target: "power off" });
  await waitBoth("/v1/nodes/dn2", (n) => n.power_state === "power off" && !n.target_power_state);
  await check([{ m: "POST", p: "/v1/allocations", body: { uuid: A2, name: "web-1", resource_class: "gold" }, status: 201, compare: "keys" }]);
  await waitBoth(`/v1/allocations/${A2}`, (b) => b.state !== "allocating");
  await check([
    { m: "GET", p: `/v1/allocations/${A2}`, status: 200 },
    { m: "GET", p: "/v1/nodes/dn2?fields=instance_uuid,allocation_uuid", status: 200, pick: ["instance_uuid", "allocation_uuid"] },
    { m: "GET", p: "/v1/nodes/dn2/allocation", status: 200 },
    { m: "GET", p: `/v1/allocations?node=dn2&fields=uuid,node_uuid`, status: 200 },
    { m: "POST", p: "/v1/allocations", body: { name: "web-1", resource_class: "gold" }, status: 409 },
    { m: "DELETE", p: "/v1/nodes/dn2/allocation", status: 204 },
    { m: "GET", p: "/v1/nodes/dn2?fields=instance_uuid,allocation_uuid", status: 200, pick: ["instance_uuid", "allocation_uuid"] },
    { m: "GET", p: "/v1/nodes/dn2/allocation", status: 404 },
  ]);
}, 180_000);

test.skipIf(!!SKIP)("allocations with an owner take only nodes the project owns or leases", async () => {
  // dn2 is available with a power state (the test above), free again.
  const A = (n: number) => `d1d1d1d1-0000-4000-8000-00000000001${n}`;
  const allocate = async (n: number, body: Record<string, unknown>) => {
    await check([{ m: "POST", p: "/v1/allocations", body: { uuid: A(n), resource_class: "gold", ...body }, status: 201, compare: "keys" }]);
    await waitBoth(`/v1/allocations/${A(n)}`, (b) => b.state !== "allocating");
    await check([{ m: "GET", p: `/v1/allocations/${A(n)}`, status: 200 }]);
  };
  await both("PATCH", "/v1/nodes/dn2", [{ op: "add", path: "/owner", value: "acme" }]);
  await allocate(1, { owner: "other" });
  await allocate(2, { owner: "acme" });
  await check([
    { m: "GET", p: "/v1/allocations?owner=acme&fields=uuid,owner,state", status: 200 },
    { m: "GET", p: "/v1/allocations?owner=acme", v: "1.59", status: 406 },
    { m: "POST", p: "/v1/allocations", body: { resource_class: "gold", owner: "acme" }, v: "1.59", status: 406 },
    { m: "DELETE", p: `/v1/allocations/${A(2)}`, status: 204 },
  ]);
  await both("PATCH", "/v1/nodes/dn2", [{ op: "remove", path: "/owner" }, { op: "add", path: "/lessee", value: "acme" }]);
  await allocate(3, { owner: "acme" });
  await check([{ m: "DELETE", p: `/v1/allocations/${A(3)}`, status: 204 }]);
  // No owner: any node, whoever owns it.
  await allocate(4, {});
  await check([{ m: "DELETE", p: `/v1/allocations/${A(4)}`, status: 204 }]);
  for (const n of [1]) await check([{ m: "DELETE", p: `/v1/allocations/${A(n)}`, status: 204 }]);
  await both("PATCH", "/v1/nodes/dn2", [{ op: "remove", path: "/lessee" }]);
}, 120_000);

const STEP = { interface: "bios", step: "apply_configuration", args: { settings: [] }, priority: 150 };

test.skipIf(!!SKIP)("deploy templates", async () => {
  await check([
    { m: "GET", p: "/v1/deploy_templates", v: "1.54", status: 404, faults: "differ" },
    { m: "POST", p: "/v1/deploy_templates", body: { name: "CUSTOM_X", steps: [STEP] }, v: "1.54", status: 405, faults: "differ" },
    { m: "POST", p: "/v1/deploy_templates", body: { name: "not-a-trait", steps: [STEP] }, status: 400, faults: "differ" },
    { m: "POST", p: "/v1/deploy_templates", body: { name: "CUSTOM_X", steps: [] }, status: 400, faults: "differ" },
    { m: "POST", p: "/v1/deploy_templates", body: { name: "CUSTOM_X", steps: [{ ...STEP, interface: "cpu" }] }, status: 400, faults: "differ" },
    { m: "POST", p: "/v1/deploy_templates", body: { name: "CUSTOM_X", steps: [{ ...STEP, priority: -1 }] }, status: 400, faults: "differ" },
    { m: "POST", p: "/v1/deploy_templates", body: { name: "CUSTOM_X", steps: [STEP, STEP] }, status: 400, faults: "differ" },
    { m: "POST", p: "/v1/deploy_templates", body: { uuid: T1, name: "CUSTOM_X", steps: [STEP], extra: { a: 1 } }, status: 201 },
    { m: "POST", p: "/v1/deploy_templates", body: { name: "CUSTOM_X", steps: [STEP] }, status: 409 },
    { m: "GET", p: "/v1/deploy_templates", status: 200 },
    { m: "GET", p: "/v1/deploy_templates/detail", status: 404 },
    { m: "GET", p: "/v1/deploy_templates?detail=True", status: 200 },
    { m: "GET", p: "/v1/deploy_templates?fields=name,steps", status: 200 },
    { m: "GET", p: "/v1/deploy_templates/CUSTOM_X", status: 200 },
    { m: "GET", p: `/v1/deploy_templates/${T1}?fields=steps`, status: 200 },
    { m: "PATCH", p: "/v1/deploy_templates/CUSTOM_X", body: [{ op: "replace", path: "/name", value: "CUSTOM_Y" }, { op: "replace", path: "/steps/0/priority", value: 10 }], status: 200 },
    { m: "PATCH", p: "/v1/deploy_templates/CUSTOM_Y", body: [{ op: "replace", path: "/name", value: "bad" }], status: 400, faults: "differ" },
    { m: "DELETE", p: "/v1/deploy_templates/CUSTOM_Y", status: 204 },
    { m: "GET", p: "/v1/deploy_templates/CUSTOM_Y", status: 404 },
  ]);
});

test.skipIf(!!SKIP)("volume connectors and targets", async () => {
  await check([
    { m: "GET", p: "/v1/volume", v: "1.31", status: 404 },
    { m: "GET", p: "/v1/volume", status: 200 },
    { m: "POST", p: "/v1/volume/connectors", body: { uuid: VC1, node_uuid: N1, type: "iqn", connector_id: "iqn.2017-08.org.openstack:x" }, status: 201 },
    { m: "POST", p: "/v1/volume/connectors", body: { node_uuid: N1, type: "iqn", connector_id: "iqn.2017-08.org.openstack:x" }, status: 409 },
    { m: "POST", p: "/v1/volume/connectors", body: { node_uuid: MISSING, type: "iqn", connector_id: "y" }, status: 400 },
    { m: "POST", p: "/v1/volume/connectors", body: { node_uuid: N1, type: "iqn" }, status: 400, faults: "differ" },
    { m: "POST", p: "/v1/volume/targets", body: { uuid: VT1, node_uuid: N1, volume_type: "iscsi", volume_id: "v1", boot_index: 0, properties: { lun: 1 } }, status: 201 },
    { m: "POST", p: "/v1/volume/targets", body: { node_uuid: N1, volume_type: "iscsi", volume_id: "v2", boot_index: 0 }, status: 409 },
    { m: "POST", p: "/v1/volume/targets", body: { node_uuid: N1, volume_type: "iscsi", volume_id: "v2" }, status: 400, faults: "differ" },
    { m: "GET", p: "/v1/volume/connectors", status: 200 },
    { m: "GET", p: "/v1/volume/connectors/detail", status: 400 },
    { m: "GET", p: "/v1/volume/connectors?detail=True", status: 200 },
    { m: "GET", p: "/v1/volume/connectors?node=dn1&fields=uuid,extra", status: 200 },
    { m: "GET", p: `/v1/volume/connectors/${VC1}`, status: 200 },
    { m: "GET", p: `/v1/volume/connectors/${MISSING}`, status: 404 },
    { m: "GET", p: "/v1/volume/targets", status: 200 },
    { m: "GET", p: "/v1/volume/targets?detail=True", status: 200 },
    { m: "GET", p: "/v1/volume/targets?sort_key=properties", status: 400 },
    { m: "GET", p: `/v1/volume/targets/${VT1}?fields=properties`, status: 200 },
    { m: "GET", p: "/v1/nodes/dn1/volume", status: 200 },
    { m: "GET", p: `/v1/nodes/${N1}/volume/connectors`, status: 200 },
    { m: "GET", p: `/v1/nodes/${N1}/volume/targets?detail=True`, status: 200 },
    // dn1 is in enroll with no power state: Ironic refuses changes unless the node is powered off.
    { m: "PATCH", p: `/v1/volume/targets/${VT1}`, body: [{ op: "replace", path: "/boot_index", value: 1 }], status: 400 },
    { m: "DELETE", p: `/v1/volume/connectors/${VC1}`, status: 400 },
  ]);
  await both("PUT", "/v1/nodes/dn1/states/provision", { target: "manage" });
  await waitBoth("/v1/nodes/dn1", (n) => n.provision_state === "manageable");
  await both("PUT", "/v1/nodes/dn1/states/power", { target: "power off" });
  await waitBoth("/v1/nodes/dn1", (n) => n.power_state === "power off" && !n.target_power_state);
  await check([
    { m: "PATCH", p: `/v1/volume/targets/${VT1}`, body: [{ op: "replace", path: "/boot_index", value: 1 }, { op: "add", path: "/properties/x", value: "y" }], status: 200 },
    { m: "PATCH", p: `/v1/volume/connectors/${VC1}`, body: [{ op: "replace", path: "/connector_id", value: "iqn.2017-08.org.openstack:z" }], status: 200 },
    { m: "DELETE", p: `/v1/volume/connectors/${VC1}`, status: 204 },
    { m: "DELETE", p: `/v1/volume/targets/${VT1}`, status: 204 },
    { m: "GET", p: `/v1/volume/targets/${VT1}`, status: 404 },
  ]);
}, 120_000);

test.skipIf(!!SKIP)("conductors and events", async () => {
  await check([
    { m: "GET", p: "/v1/conductors", v: "1.48", status: 404 },
    { m: "GET", p: "/v1/conductors", status: 200 },
    { m: "GET", p: "/v1/conductors?detail=True", status: 200, compare: "shape" },
    { m: "GET", p: "/v1/conductors?fields=hostname", status: 200 },
    { m: "GET", p: "/v1/conductors/nope", status: 404 },
  ]);
  const ev = { event: "network.bind_port", port_id: "11111111-2222-3333-4444-555555555555", mac_address: "52:54:00:00:00:01", status: "ACTIVE" };
  await check([
    { m: "POST", p: "/v1/events", body: { events: [ev] }, status: 204 },
    { m: "POST", p: "/v1/events", body: { events: [{ ...ev, event: "network.other" }] }, status: 400, faults: "differ" },
    { m: "POST", p: "/v1/events", body: { events: [] }, status: 400, faults: "differ" },
    { m: "POST", p: "/v1/events", body: { events: [ev] }, v: "1.53", status: 404 },
  ]);
});

test.skipIf(!!SKIP)("shards (1.82): nodes per shard, most first, nodes without one as \"None\"", async () => {
  const S1 = "a1a1a1a1-0000-4000-8000-000000000051";
  const S2 = "a1a1a1a1-0000-4000-8000-000000000052";
  const S3 = "a1a1a1a1-0000-4000-8000-000000000053";
  await check([
    { m: "POST", p: "/v1/nodes", body: { uuid: S1, name: "sh1", driver: "fake-hardware", shard: "rack-a" }, status: 201, compare: "keys" },
    { m: "POST", p: "/v1/nodes", body: { uuid: S2, name: "sh2", driver: "fake-hardware", shard: "rack-a" }, status: 201, compare: "keys" },
    { m: "POST", p: "/v1/nodes", body: { uuid: S3, name: "sh3", driver: "fake-hardware", shard: "rack-b" }, status: 201, compare: "keys" },
    { m: "GET", p: "/v1/shards", status: 200 },
    { m: "GET", p: "/v1/shards", v: "1.81", status: 404 },
    { m: "GET", p: "/v1/shards/rack-a", status: 404 },
    { m: "POST", p: "/v1/shards", body: { name: "x" }, v: "1.81", status: 405 },
    { m: "POST", p: "/v1/shards", body: { name: "x" }, status: 405 },
    { m: "DELETE", p: `/v1/nodes/${S1}`, status: 204 },
    { m: "DELETE", p: `/v1/nodes/${S2}`, status: 204 },
    { m: "DELETE", p: `/v1/nodes/${S3}`, status: 204 },
  ]);
});
