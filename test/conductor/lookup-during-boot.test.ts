/**
 * The old agent of a node being power-cycled into a fresh ramdisk must not take the token
 * meant for the next one: while a provision or power task holds the node, a first lookup is
 * 409 (the agent retries); once the task is done the new agent gets the token.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";

let tc: TestConductor;
beforeAll(async () => {
  tc = await startTestConductor();
});
afterAll(() => tc.stop());

const lookup = (mac: string) => tc.api("GET", `/v1/lookup?addresses=${mac}`);

test("a lookup while inspect powers the node is 409 without a token; after it, the token is issued once", async () => {
  const uuid = await tc.enroll("lb-1", "52:54:00:1b:00:01");
  // The node as inspect leaves it while it power-cycles: waiting for an agent, no token yet.
  tc.conductor.store.nodes.update(uuid, { provision_state: "inspect wait", agent_token: null });
  const release = tc.conductor.ctx.locks.tryLock(uuid, "inspect")!;
  try {
    const during = await lookup("52:54:00:1b:00:01");
    expect(during.status).toBe(409);
    expect(JSON.stringify(during.json)).not.toContain("agent_token\\\":\\\"");
  } finally {
    release();
  }
  const after = await lookup("52:54:00:1b:00:01");
  expect(after.status).toBe(200);
  expect(after.json.config.agent_token).toHaveLength(43);
});

test("a step poll or a heartbeat holding the node does not refuse the lookup", async () => {
  const uuid = await tc.enroll("lb-2", "52:54:00:1b:00:02");
  tc.conductor.store.nodes.update(uuid, { provision_state: "clean wait", agent_token: null });
  const release = tc.conductor.ctx.locks.tryLock(uuid, "poll")!;
  try {
    expect((await lookup("52:54:00:1b:00:02")).status).toBe(200);
  } finally {
    release();
  }
});
