/**
 * Marker pagination returns every node (and port) exactly once, in the order of the first
 * page Ironic's SQL gives (NULLs first ascending, last descending; uuid breaks ties), for
 * every sort key, both directions and several page sizes, following `next`.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { NODE_SORT_KEYS } from "../../conductor/store/node-store.ts";
import { PORT_SORT_KEYS } from "../../conductor/store/port-store.ts";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";

let tc: TestConductor;
beforeAll(async () => {
  tc = await startTestConductor();
  const uuids: string[] = [];
  for (let i = 0; i < 9; i++) {
    // Three nodes without a name; names not in creation order.
    const body: Record<string, unknown> = { driver: "fake-hardware" };
    if (i % 3 !== 1) body.name = `pg-${(i * 7) % 10}`;
    const r = await tc.api("POST", "/v1/nodes", body);
    expect(r.status).toBe(201);
    uuids.push(r.json.uuid);
  }
  // Some nodes get updated_at, an instance_uuid, maintenance; the rest keep NULLs.
  await tc.api("PATCH", `/v1/nodes/${uuids[2]}`, [{ op: "add", path: "/instance_uuid", value: "11111111-2222-3333-4444-555555555555" }]);
  await tc.api("PATCH", `/v1/nodes/${uuids[5]}`, [{ op: "add", path: "/instance_uuid", value: "00000000-2222-3333-4444-555555555555" }]);
  await tc.api("PUT", `/v1/nodes/${uuids[4]}/maintenance`, { reason: "x" });
  await tc.api("PUT", `/v1/nodes/${uuids[7]}/maintenance`, { reason: "y" });
  for (const [i, mac] of ["52:54:00:aa:00:03", "52:54:00:aa:00:01", "52:54:00:aa:00:02", "52:54:00:aa:00:05", "52:54:00:aa:00:04"].entries()) {
    const body: Record<string, unknown> = { address: mac, node_uuid: uuids[i % 3], pxe_enabled: i % 2 === 0 };
    if (i % 2) body.name = `port-${5 - i}`;
    expect((await tc.api("POST", "/v1/ports", body)).status).toBe(201);
  }
  await tc.api("PATCH", `/v1/ports/${(await tc.api("GET", "/v1/ports")).json.ports[0].uuid}`, [{ op: "add", path: "/physical_network", value: "physnet1" }]);
});
afterAll(() => tc.stop());

type Row = { uuid: string; v: string | number | null };

/** SQLite's order: NULL below every value; numbers below text; uuid as tie-breaker. */
function expected(rows: Row[], dir: "asc" | "desc"): string[] {
  const rank = (v: Row["v"]) => (v === null ? 0 : typeof v === "number" ? 1 : 2);
  const cmp = (a: Row, b: Row) => {
    const r = rank(a.v) - rank(b.v);
    if (r) return r;
    if (a.v !== b.v) return a.v! < b.v! ? -1 : 1;
    return a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0;
  };
  const sorted = [...rows].sort(cmp);
  return (dir === "asc" ? sorted : sorted.reverse()).map((r) => r.uuid);
}

test("nodes: every sort key x direction x page size returns each node once, in order", async () => {
  const db = tc.conductor.store.db;
  const problems: string[] = [];
  for (const key of NODE_SORT_KEYS) {
    const rows = db.query<Row, []>(`SELECT uuid, ${key} AS v FROM nodes`).all();
    for (const dir of ["asc", "desc"] as const) {
      const want = expected(rows, dir);
      for (const limit of [1, 2, 3, 4, 8, 9, 10]) {
        const seen = await walkDir("/v1/nodes", key, dir, limit);
        if (JSON.stringify(seen) !== JSON.stringify(want)) problems.push(`${key} ${dir} limit=${limit}: got ${seen.length} of ${want.length}${seen.length === want.length ? " (order differs)" : ""}`);
      }
    }
  }
  expect(problems).toEqual([]);
}, 60_000);

async function walkDir(path: string, key: string, dir: string, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let next: string | undefined = `${path}?sort_key=${key}&sort_dir=${dir}&limit=${limit}`;
  for (let pages = 0; next && pages < 50; pages++) {
    const r = await tc.api("GET", next);
    if (r.status !== 200) throw new Error(`${next} -> ${r.status} ${r.text}`);
    const items = r.json.nodes ?? r.json.ports;
    seen.push(...items.map((n: { uuid: string }) => n.uuid));
    next = r.json.next ? r.json.next.slice(r.json.next.indexOf("/v1/")) : undefined;
  }
  return seen;
}

test("the reported case: 9 nodes, 3 unnamed, ?limit=2&sort_key=name walks all 9", async () => {
  for (const dir of ["asc", "desc"]) {
    expect((await walkDir("/v1/nodes", "name", dir, 2)).length).toBe(9);
    expect((await walkDir("/v1/nodes", "updated_at", dir, 2)).length).toBe(9);
  }
});

test("ports: every sort key x direction x page size returns each port once, in order", async () => {
  const db = tc.conductor.store.db;
  const problems: string[] = [];
  for (const key of PORT_SORT_KEYS) {
    const rows = db.query<Row, []>(`SELECT uuid, ${key} AS v FROM ports`).all();
    for (const dir of ["asc", "desc"] as const) {
      const want = expected(rows, dir);
      for (const limit of [1, 2, 3, 5, 6]) {
        for (const path of ["/v1/ports", "/v1/ports/detail"]) {
          const seen = await walkDir(path, key, dir, limit);
          if (JSON.stringify(seen) !== JSON.stringify(want)) problems.push(`${path} ${key} ${dir} limit=${limit}: got ${seen.length} of ${want.length}`);
        }
      }
    }
  }
  expect(problems).toEqual([]);
}, 60_000);
