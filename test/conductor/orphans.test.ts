/**
 * A node an operation abandoned in a transient state (its write refused by a locked or full
 * store) is failed by the periodic sweep with a reason, instead of sitting there until the
 * conductor restarts; a node whose task still runs (it holds the lock) is left alone.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { sweepTimeouts } from "../../conductor/orchestration/timeouts.ts";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";

let tc: TestConductor;
beforeAll(async () => {
  tc = await startTestConductor();
});
afterAll(() => tc.stop());

async function nodeIn(name: string, state: string, updatedAgoMs: number): Promise<string> {
  const created = await tc.api("POST", "/v1/nodes", { name, driver: "fake-hardware" });
  expect(created.status).toBe(201);
  const uuid = created.json.uuid as string;
  // What a task leaves behind when the store refused its next write: the state it entered.
  tc.conductor.store.nodes.update(uuid, { provision_state: state, target_provision_state: "active", provision_updated_at: Date.now() - updatedAgoMs });
  return uuid;
}

test("an unlocked node left in deploying or cleaning is failed with a reason by the sweep", async () => {
  const deploying = await nodeIn("orphan-deploy", "deploying", 5 * 60_000);
  const cleaning = await nodeIn("orphan-clean", "cleaning", 5 * 60_000);
  const failed = sweepTimeouts(tc.conductor.ctx);
  expect(failed.sort()).toEqual([deploying, cleaning].sort());
  const d = (await tc.api("GET", `/v1/nodes/${deploying}`)).json;
  expect(d.provision_state).toBe("deploy failed");
  expect(d.target_provision_state).toBeNull();
  expect(d.last_error).toContain('was left in state "deploying"');
  expect((await tc.api("GET", `/v1/nodes/${cleaning}`)).json.provision_state).toBe("clean failed");
});

test("a node whose task holds its lock, or that entered the state just now, is left alone", async () => {
  const busy = await nodeIn("busy-deploy", "deploying", 5 * 60_000);
  const fresh = await nodeIn("fresh-deploy", "deploying", 1_000);
  const release = tc.conductor.ctx.locks.tryLock(busy, "deploy")!;
  try {
    expect(sweepTimeouts(tc.conductor.ctx)).toEqual([]);
  } finally {
    release();
  }
  expect((await tc.api("GET", `/v1/nodes/${busy}`)).json.provision_state).toBe("deploying");
  expect((await tc.api("GET", `/v1/nodes/${fresh}`)).json.provision_state).toBe("deploying");
});
