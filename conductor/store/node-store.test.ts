/**
 * The heartbeat fast path: a heartbeat from an unchanged agent is buffered (reads see it,
 * the flush writes it), a changed agent is written at once, and a wiped agent is never
 * revived by a late flush.
 */
import { expect, test } from "bun:test";
import { createStore } from "./index.ts";
import type { NodeRecord } from "./node-record.ts";

function node(uuid: string): NodeRecord {
  return {
    uuid, name: `n-${uuid.slice(0, 4)}`, driver: "fake-hardware", provision_state: "clean wait", target_provision_state: null,
    power_state: null, target_power_state: null, maintenance: false, maintenance_reason: null, fault: null, last_error: null,
    instance_uuid: null, driver_info: {}, driver_internal_info: {}, properties: {}, instance_info: {}, extra: {}, attrs: {},
    clean_step: null, deploy_step: null, agent_url: null, agent_token: "t".repeat(43), agent_verify_ca: null, agent_version: null,
    agent_last_heartbeat: null, provision_updated_at: null, inspection_started_at: null, inspection_finished_at: null, created_at: 1, updated_at: null,
  };
}

const beat = (url: string, at: number) => ({ url, version: "1.0", verifyCa: null, at });
const onDisk = (store: ReturnType<typeof createStore>, uuid: string) =>
  store.db.query<{ agent_url: string | null; agent_last_heartbeat: number | null }, [string]>("SELECT agent_url, agent_last_heartbeat FROM nodes WHERE uuid = ?").get(uuid)!;

test("an unchanged agent's heartbeat is buffered, visible to reads, and written by the flush", () => {
  const store = createStore(":memory:");
  const uuid = "11111111-2222-3333-4444-555555555555";
  store.nodes.insert(node(uuid));
  // first heartbeat: a new agent, written at once
  store.nodes.recordHeartbeat(store.nodes.heartbeatTarget(uuid)!, beat("https://10.0.0.5:9999", 1000));
  expect(onDisk(store, uuid)).toEqual({ agent_url: "https://10.0.0.5:9999", agent_last_heartbeat: 1000 });
  // later heartbeat: only the time moves; buffered, but every read sees it
  store.nodes.recordHeartbeat(store.nodes.heartbeatTarget(uuid)!, beat("https://10.0.0.5:9999", 2000));
  expect(onDisk(store, uuid).agent_last_heartbeat).toBe(1000);
  expect(store.nodes.get(uuid)!.agent_last_heartbeat).toBe(2000);
  expect(store.nodes.listInStates(["clean wait"])[0]!.agent_last_heartbeat).toBe(2000);
  store.nodes.flushHeartbeats();
  expect(onDisk(store, uuid).agent_last_heartbeat).toBe(2000);
  // a changed agent (new URL after a reboot) is written at once
  store.nodes.recordHeartbeat(store.nodes.heartbeatTarget(uuid)!, beat("https://10.0.0.6:9999", 3000));
  expect(onDisk(store, uuid)).toEqual({ agent_url: "https://10.0.0.6:9999", agent_last_heartbeat: 3000 });
  store.close();
});

test("a wiped agent is not revived by a buffered heartbeat, and the target cache follows writes", () => {
  const store = createStore(":memory:");
  const uuid = "21111111-2222-3333-4444-555555555555";
  store.nodes.insert(node(uuid));
  store.nodes.recordHeartbeat(store.nodes.heartbeatTarget(uuid)!, beat("https://10.0.0.5:9999", 1000));
  store.nodes.recordHeartbeat(store.nodes.heartbeatTarget(uuid)!, beat("https://10.0.0.5:9999", 2000));
  store.nodes.update(uuid, { agent_url: null, agent_token: null, agent_last_heartbeat: null });
  store.nodes.flushHeartbeats();
  expect(onDisk(store, uuid)).toEqual({ agent_url: null, agent_last_heartbeat: null });
  expect(store.nodes.get(uuid)!.agent_last_heartbeat).toBeNull();
  // the cached heartbeat target saw the wipe (a stale token would let the old agent in)
  expect(store.nodes.heartbeatTarget(uuid)).toMatchObject({ agent_token: null, agent_url: null });
  expect(store.nodes.heartbeatTarget(`n-${uuid.slice(0, 4)}`)!.uuid).toBe(uuid);
  expect(store.nodes.heartbeatTarget("nope")).toBeNull();
  store.close();
});
