/**
 * Restart safety: a conductor killed with SIGKILL mid-deploy restarts with its database
 * intact; the node waiting for its agent resumes and finishes; a node the dead conductor was
 * actively working on is failed with a reason instead of staying stuck.
 */
import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { integrityCheck } from "../../conductor/store/db.ts";
import { freePort, startTestConductor } from "./helpers/harness.ts";
import { startStandInAgent, type StandInAgent } from "./helpers/stand-in-agent.ts";

const ROOT = join(import.meta.dir, "../..");
const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((f) => f()));

function spawnConductor(dataDir: string, port: number, config: string) {
  const p = Bun.spawn([process.execPath, join(ROOT, "main.ts"), "conductor", "--config", config, "--data-dir", dataDir, "--listen", `127.0.0.1:${port}`], {
    stdout: Bun.file(join(dataDir, `conductor-${Date.now()}.log`)),
    stderr: "inherit",
  });
  cleanups.push(() => p.kill("SIGKILL"));
  return p;
}

async function api(url: string, method: string, path: string, body?: unknown) {
  const r = await fetch(url + path, { method, headers: { "X-OpenStack-Ironic-API-Version": "1.82", "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const t = await r.text();
  return { status: r.status, json: t ? JSON.parse(t) : null };
}

async function waitNode(url: string, pred: (n: any) => boolean, ms = 15_000) {
  const end = Date.now() + ms;
  let n: any;
  while (Date.now() < end) {
    try {
      n = (await api(url, "GET", "/v1/nodes/r1")).json;
      if (pred(n)) return n;
    } catch {}
    await Bun.sleep(50);
  }
  throw new Error(`timeout; node ${JSON.stringify(n)?.slice(0, 400)}`);
}

test("SIGKILL mid-deploy: restart resumes the deploy; database intact", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "teeth-restart-"));
  mkdirSync(join(dataDir, "images"));
  writeFileSync(join(dataDir, "images", "img.raw"), Buffer.alloc(65536, 3));
  const config = join(dataDir, "conductor.json");
  writeFileSync(config, JSON.stringify({ log_level: "info", agent: { poll_interval_s: 0.2, heartbeat_timeout_s: 10 }, cleaning: { automated_clean: false } }));
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  let proc = spawnConductor(dataDir, port, config);
  await waitNode(url, () => true).catch(() => {});
  for (let i = 0; i < 100 && (await fetch(url).catch(() => null)) === null; i++) await Bun.sleep(50);
  expect((await api(url, "POST", "/v1/nodes", { name: "r1", driver: "fake-hardware" })).status).toBe(201);
  await api(url, "POST", "/v1/ports", { address: "52:54:00:a5:00:01", node_uuid: "r1" });
  await api(url, "PUT", "/v1/nodes/r1/states/provision", { target: "manage" });
  await waitNode(url, (n) => n.provision_state === "manageable");
  await api(url, "PUT", "/v1/nodes/r1/states/provision", { target: "provide" });
  await waitNode(url, (n) => n.provision_state === "available");
  await api(url, "PATCH", "/v1/nodes/r1", [{ op: "add", path: "/instance_info/image_source", value: "img.raw" }]);
  const agent: StandInAgent = await startStandInAgent({ apiUrl: url, macs: ["52:54:00:a5:00:01"], writeImagePolls: 30 });
  cleanups.push(() => agent.stop());
  await api(url, "PUT", "/v1/nodes/r1/states/provision", { target: "active" });
  await waitNode(url, (n) => n.provision_state === "wait call-back" && n.driver_internal_info.deploy_progress?.bytes_written > 0);

  proc.kill("SIGKILL");
  await proc.exited;
  proc = spawnConductor(dataDir, port, config);
  const n = await waitNode(url, (x) => x.provision_state === "active" || x.provision_state === "deploy failed", 30_000);
  expect(n.provision_state).toBe("active");
  expect(n.last_error).toBeNull();
  // the agent was asked to write the image once: the restarted conductor picked up its result
  expect(agent.commands.filter((c) => c.name === "deploy.execute_deploy_step" && (c.params.step as any).step === "write_image").length).toBe(1);
  proc.kill("SIGKILL");
  await proc.exited;
  const db = new Database(join(dataDir, "teeth.db"));
  expect(integrityCheck(db)).toBe("ok");
  expect(db.query("SELECT COUNT(*) AS n FROM nodes").get()).toEqual({ n: 1 });
  db.close();
}, 90_000);

test("a node the dead conductor was working on fails cleanly at restart", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "teeth-restart2-"));
  const first = await startTestConductor({}, dataDir);
  const uuid = (await first.api("POST", "/v1/nodes", { name: "busy", driver: "fake-hardware" })).json.uuid;
  await first.stop();
  const db = new Database(join(dataDir, "teeth.db"));
  db.run("UPDATE nodes SET provision_state = 'deploying', target_provision_state = 'active' WHERE uuid = ?", [uuid]);
  db.close();
  const second = await startTestConductor({}, dataDir);
  try {
    const n = (await second.api("GET", "/v1/nodes/busy")).json;
    expect(n.provision_state).toBe("deploy failed");
    expect(n.last_error).toContain("conductor restarted");
    expect(n.target_provision_state).toBeNull();
  } finally {
    await second.stop();
  }
});
