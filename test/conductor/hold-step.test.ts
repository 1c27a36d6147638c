/**
 * Ironic's reserved `hold` step and the `unhold` verb (1.85): a manual clean, a deploy or a
 * service reaching `hold` pauses in `clean hold` / `deploy hold` / `service hold` (the agent
 * keeps heartbeating, nothing is sent to it); `unhold` goes on with the next step; `abort`
 * from a hold fails the run. In-process conductor, fake-hardware, stand-in agent.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";
import { startStandInAgent, type StandInAgent } from "./helpers/stand-in-agent.ts";

let tc: TestConductor;
const agents: StandInAgent[] = [];
const V85 = { "X-OpenStack-Ironic-API-Version": "1.85" };
const V87 = { "X-OpenStack-Ironic-API-Version": "1.87" };

beforeAll(async () => {
  tc = await startTestConductor({ agent: { poll_interval_s: 0.1, heartbeat_timeout_s: 10 }, cleaning: { automated_clean: false } });
  mkdirSync(join(tc.dataDir, "images"), { recursive: true });
  writeFileSync(join(tc.dataDir, "images", "disk.raw"), Buffer.alloc(4096, 7));
});
afterAll(async () => {
  for (const a of agents) a.stop();
  await tc.destroy();
});

async function withAgent(name: string, mac: string): Promise<StandInAgent> {
  await tc.enroll(name, mac);
  const agent = await startStandInAgent({ apiUrl: tc.url, macs: [mac], heartbeatMs: 100 });
  agents.push(agent);
  return agent;
}
const sent = (agent: StandInAgent, kind: string) => agent.commands.filter((c) => c.name === `${kind}.execute_${kind}_step`).map((c) => (c.params.step as any).step);

test("a manual clean holds at hold, keeps its agent, and goes on with the next step on unhold", async () => {
  const agent = await withAgent("h1", "52:54:00:40:00:01");
  const clean_steps = [{ interface: "deploy", step: "erase_devices_metadata" }, { interface: "deploy", step: "hold" }, { interface: "deploy", step: "erase_devices" }];
  expect((await tc.api("PUT", "/v1/nodes/h1/states/provision", { target: "clean", clean_steps })).status).toBe(202);
  let n = await tc.waitFor("h1", (x) => x.provision_state === "clean hold", 20_000);
  expect([n.target_provision_state, n.clean_step.step]).toEqual(["manageable", "hold"]);
  const beats = agent.heartbeats.length;
  await tc.waitFor("h1", () => agent.heartbeats.length >= beats + 3, 10_000);
  expect((await tc.api("GET", "/v1/nodes/h1")).json.provision_state).toBe("clean hold");
  expect(agent.heartbeats.slice(beats).every((h) => h.status === 202)).toBe(true);
  expect(sent(agent, "clean")).toEqual(["erase_devices_metadata"]);
  // unhold is 1.85: an older client gets Ironic's 406 (the state accepts the verb).
  expect((await tc.api("PUT", "/v1/nodes/h1/states/provision", { target: "unhold" }, { "X-OpenStack-Ironic-API-Version": "1.84" })).status).toBe(406);
  expect((await tc.api("PUT", "/v1/nodes/h1/states/provision", { target: "unhold" }, V85)).status).toBe(202);
  n = await tc.waitFor("h1", (x) => x.provision_state === "manageable" && x.reservation === null, 20_000);
  expect(n.last_error).toBeNull();
  expect(sent(agent, "clean")).toEqual(["erase_devices_metadata", "erase_devices"]);
  // Not held any more: unhold is the state's 400.
  expect((await tc.api("PUT", "/v1/nodes/h1/states/provision", { target: "unhold" }, V85)).status).toBe(400);
}, 60_000);

test("abort from clean hold fails the clean", async () => {
  const agent = await withAgent("h2", "52:54:00:40:00:02");
  const clean_steps = [{ interface: "deploy", step: "hold" }, { interface: "deploy", step: "erase_devices" }];
  expect((await tc.api("PUT", "/v1/nodes/h2/states/provision", { target: "clean", clean_steps })).status).toBe(202);
  await tc.waitFor("h2", (x) => x.provision_state === "clean hold", 20_000);
  expect((await tc.api("PUT", "/v1/nodes/h2/states/provision", { target: "abort" })).status).toBe(202);
  const n = await tc.waitFor("h2", (x) => x.provision_state === "clean failed" && x.reservation === null, 20_000);
  expect(n.last_error).toBe("clean hold aborted by operator");
  expect(sent(agent, "clean")).toEqual([]);
}, 60_000);

test("a deploy step hold (by priority) pauses before write_image; unhold deploys; a service holds too", async () => {
  const agent = await withAgent("h3", "52:54:00:40:00:03");
  expect((await tc.api("PUT", "/v1/nodes/h3/states/provision", { target: "provide" })).status).toBe(202);
  await tc.waitFor("h3", (x) => x.provision_state === "available" && x.reservation === null);
  await tc.api("PATCH", "/v1/nodes/h3", [{ op: "add", path: "/instance_info/image_source", value: "disk.raw" }]);
  const deploy_steps = [{ interface: "deploy", step: "hold", args: {}, priority: 90 }];
  expect((await tc.api("PUT", "/v1/nodes/h3/states/provision", { target: "active", deploy_steps })).status).toBe(202);
  let n = await tc.waitFor("h3", (x) => x.provision_state === "deploy hold", 20_000);
  expect([n.target_provision_state, n.deploy_step.step, sent(agent, "deploy")]).toEqual(["active", "hold", []]);
  expect((await tc.api("PUT", "/v1/nodes/h3/states/provision", { target: "unhold" }, V85)).status).toBe(202);
  n = await tc.waitFor("h3", (x) => x.provision_state === "active" && x.reservation === null, 20_000);
  expect([n.last_error, sent(agent, "deploy")]).toEqual([null, ["write_image"]]);

  const service_steps = [{ interface: "deploy", step: "hold" }, { interface: "deploy", step: "burnin_cpu" }];
  expect((await tc.api("PUT", "/v1/nodes/h3/states/provision", { target: "service", service_steps }, V87)).status).toBe(202);
  await tc.waitFor("h3", (x) => x.provision_state === "service hold", 20_000);
  expect(sent(agent, "service")).toEqual([]);
  expect((await tc.api("PUT", "/v1/nodes/h3/states/provision", { target: "unhold" }, V87)).status).toBe(202);
  n = await tc.waitFor("h3", (x) => x.provision_state === "active" && x.reservation === null, 20_000);
  expect([n.last_error, sent(agent, "service")]).toEqual([null, ["burnin_cpu"]]);
}, 90_000);
