/**
 * Servicing (API 1.87): `service` with `service_steps` on an active node runs the operator's
 * steps through its agent (active -> servicing -> service wait -> servicing -> active, the
 * ramdisk booted and torn down, the instance powered back on); a failing or unknown step lands
 * in `service failed` with the reason; `abort` from `service failed` returns the node to active.
 * The in-process conductor, fake-hardware, the stand-in agent.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { parseIronicError } from "../../protocol/ironic-api.ts";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";
import { startStandInAgent, type StandInAgent } from "./helpers/stand-in-agent.ts";

let tc: TestConductor;
const agents: StandInAgent[] = [];
const V87 = { "X-OpenStack-Ironic-API-Version": "1.87" };

beforeAll(async () => {
  tc = await startTestConductor({ agent: { poll_interval_s: 0.1, heartbeat_timeout_s: 10 } });
});
afterAll(async () => {
  for (const a of agents) a.stop();
  await tc.destroy();
});

async function activeNode(name: string, mac: string): Promise<string> {
  const uuid = await tc.enroll(name, mac);
  expect((await tc.api("PUT", `/v1/nodes/${name}/states/provision`, { target: "adopt" })).status).toBe(202);
  await tc.waitFor(name, (n) => n.provision_state === "active" && n.reservation === null);
  return uuid;
}

test("service runs the requested steps through the agent and returns to active", async () => {
  const mac = "52:54:00:5e:00:01";
  await activeNode("sv1", mac);
  const agent = await startStandInAgent({ apiUrl: tc.url, macs: [mac], extraSteps: { service: [{ step: "apply_bios", priority: 0, interface: "bios", reboot_requested: false, abortable: false }] } });
  agents.push(agent);
  const steps = [{ interface: "deploy", step: "burnin_cpu", args: { duration: 5 } }, { interface: "bios", step: "apply_bios" }];
  expect((await tc.api("PUT", "/v1/nodes/sv1/states/provision", { target: "service", service_steps: steps }, V87)).status).toBe(202);
  const n = await tc.waitFor("sv1", (x) => x.provision_state === "active" && x.reservation === null, 20_000);
  expect(n).toMatchObject({ last_error: null, target_provision_state: null, service_step: {}, power_state: "power on" });
  const sent = agent.commands.filter((c) => c.name === "service.execute_service_step").map((c) => [(c.params.step as any).step, (c.params.step as any).args]);
  expect(sent).toEqual([["burnin_cpu", { duration: 5 }], ["apply_bios", {}]]);
  const events = (await tc.api("GET", "/v1/nodes/sv1/history?detail=True")).json.history.filter((e: any) => e.event_type === "servicing");
  expect(events.map((e: any) => e.event.split(":")[0])).toEqual([
    "active -> servicing", "servicing -> service wait", "service wait -> servicing", "servicing -> active",
  ]);
  expect(n.driver_internal_info.service_steps).toBeUndefined();
});

test("refusals: from a non-active state (at any version), before 1.87, without service_steps", async () => {
  const uuid = await tc.enroll("sv2", "52:54:00:5e:00:02");
  const steps = [{ interface: "deploy", step: "burnin_cpu" }];
  // As Ironic, the version of `service` is checked once the node's state accepted the verb.
  const v86 = { "X-OpenStack-Ironic-API-Version": "1.86" };
  const invalid = `The requested action "service" can not be performed on node "${uuid}" while it is in state "manageable".`;
  let r = await tc.api("PUT", "/v1/nodes/sv2/states/provision", { target: "service", service_steps: steps }, v86);
  expect([r.status, parseIronicError(r.text)]).toEqual([400, invalid]);
  r = await tc.api("PUT", "/v1/nodes/sv2/states/provision", { target: "service", service_steps: steps }, V87);
  expect([r.status, parseIronicError(r.text)]).toEqual([400, `The requested action "service" can not be performed on node "${uuid}" while it is in state "manageable".`]);
  await tc.api("PUT", "/v1/nodes/sv2/states/provision", { target: "adopt" });
  await tc.waitFor("sv2", (n) => n.provision_state === "active" && n.reservation === null);
  expect((await tc.api("PUT", "/v1/nodes/sv2/states/provision", { target: "service", service_steps: steps }, v86)).status).toBe(406);
  r = await tc.api("PUT", "/v1/nodes/sv2/states/provision", { target: "service" }, V87);
  expect([r.status, parseIronicError(r.text)]).toEqual([400, '"service_steps" is required when setting target provision state to service']);
  r = await tc.api("PUT", "/v1/nodes/sv2/states/provision", { target: "deleted", service_steps: steps }, V87);
  expect([r.status, parseIronicError(r.text)]).toEqual([400, '"service_steps" is only valid when setting target provision state to service']);
});

test("a failing step and an unknown step land in service failed with the reason; abort returns to active", async () => {
  const mac = "52:54:00:5e:00:03";
  await activeNode("sv3", mac);
  const agent = await startStandInAgent({ apiUrl: tc.url, macs: [mac], failSteps: { burnin_cpu: "CPU 3 overheated" } });
  agents.push(agent);
  expect((await tc.api("PUT", "/v1/nodes/sv3/states/provision", { target: "service", service_steps: [{ interface: "deploy", step: "burnin_cpu" }] }, V87)).status).toBe(202);
  let n = await tc.waitFor("sv3", (x) => x.provision_state === "service failed", 20_000);
  expect(n.last_error).toBe("Agent returned error for service step burnin_cpu: Command execution failed: CPU 3 overheated");
  const h = (await tc.api("GET", "/v1/nodes/sv3/history?detail=True")).json.history.at(-1);
  expect(h).toMatchObject({ severity: "ERROR", event_type: "servicing", event: n.last_error });

  expect((await tc.api("PUT", "/v1/nodes/sv3/states/provision", { target: "service", service_steps: [{ interface: "deploy", step: "nope" }] }, V87)).status).toBe(202);
  n = await tc.waitFor("sv3", (x) => x.provision_state === "service failed" && x.last_error?.includes("nope"), 20_000);
  expect(n.last_error).toBe("Service step deploy.nope is not supported by the agent on this node.");

  expect((await tc.api("PUT", "/v1/nodes/sv3/states/provision", { target: "abort" }, V87)).status).toBe(202);
  n = await tc.waitFor("sv3", (x) => x.provision_state === "active");
  expect(n.target_provision_state).toBeNull();
});
