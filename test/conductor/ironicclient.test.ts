/**
 * Real client: Debian's python3-ironicclient (`baremetal`) drives the conductor through
 * create, list, show, manage, provide, port create, set, deploy (to active, with a stand-in
 * agent), power on/off, maintenance and undeploy. Needs `apt-get install python3-ironicclient`.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";
import { startStandInAgent, type StandInAgent } from "./helpers/stand-in-agent.ts";

const BAREMETAL = Bun.which("baremetal");
let tc: TestConductor;
let agent: StandInAgent | null = null;

beforeAll(async () => {
  tc = await startTestConductor({ cleaning: { automated_clean: false }, agent: { poll_interval_s: 0.1, heartbeat_timeout_s: 10 } });
  mkdirSync(join(tc.dataDir, "images"));
  writeFileSync(join(tc.dataDir, "images", "os.raw"), Buffer.alloc(4096, 9));
});
afterAll(async () => {
  agent?.stop();
  await tc.stop();
});

async function bm(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn([BAREMETAL!, ...args], {
    env: { ...process.env, OS_AUTH_TYPE: "none", OS_ENDPOINT: tc.url },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  return { code: await p.exited, out, err };
}

test.skipIf(!BAREMETAL)("baremetal CLI drives the conductor", async () => {
  let r = await bm("node", "create", "--driver", "fake-hardware", "--name", "ic1", "--driver-info", "ipmi_password=s3cret", "-f", "json");
  expect(r.code).toBe(0);
  const created = JSON.parse(r.out);
  expect(created.provision_state).toBe("enroll");
  expect(created.driver_info.ipmi_password).toBe("******");

  r = await bm("node", "list", "-f", "json");
  expect(JSON.parse(r.out).map((n: any) => n.Name)).toEqual(["ic1"]);
  expect((await bm("port", "create", "52:54:00:1c:00:01", "--node", created.uuid)).code).toBe(0);

  expect((await bm("node", "manage", "ic1", "--wait", "30")).code).toBe(0);
  expect((await bm("node", "provide", "ic1", "--wait", "30")).code).toBe(0);
  r = await bm("node", "show", "ic1", "-f", "value", "-c", "provision_state");
  expect(r.out.trim()).toBe("available");

  expect((await bm("node", "power", "on", "ic1")).code).toBe(0);
  await tc.waitFor("ic1", (n) => n.power_state === "power on");

  expect((await bm("node", "set", "ic1", "--instance-info", "image_source=os.raw", "--property", "cpus=8")).code).toBe(0);
  agent = await startStandInAgent({ apiUrl: tc.url, macs: ["52:54:00:1c:00:01"] });
  r = await bm("node", "deploy", "ic1", "--wait", "60");
  expect(r.code).toBe(0);
  r = await bm("node", "show", "ic1", "-f", "json");
  const shown = JSON.parse(r.out);
  expect(shown.provision_state).toBe("active");
  expect(Number(shown.properties.cpus)).toBe(8);

  expect((await bm("node", "maintenance", "set", "ic1", "--reason", "test")).code).toBe(0);
  expect((await bm("node", "maintenance", "unset", "ic1")).code).toBe(0);
  r = await bm("node", "undeploy", "ic1", "--wait", "60");
  expect(r.code).toBe(0);
  r = await bm("node", "deploy", "nope");
  expect(r.code).not.toBe(0);
  expect(r.err).toContain("Node nope could not be found");
}, 120_000);
