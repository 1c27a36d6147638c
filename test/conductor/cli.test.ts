/**
 * The operator CLI (`teeth node|port ...`) driving a conductor with a stand-in agent.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startStandInAgent, type StandInAgent } from "./helpers/stand-in-agent.ts";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";

let tc: TestConductor;
let agent: StandInAgent;
const ROOT = join(import.meta.dir, "../..");

async function teeth(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn([process.execPath, join(ROOT, "main.ts"), ...args, "--url", tc.url], { stdout: "pipe", stderr: "pipe", cwd: ROOT });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  return { code: await p.exited, out, err };
}

beforeAll(async () => {
  tc = await startTestConductor({ agent: { poll_interval_s: 0.1, heartbeat_timeout_s: 10 }, cleaning: { erase_devices_priority: 0 } });
  mkdirSync(join(tc.dataDir, "images"), { recursive: true });
  writeFileSync(join(tc.dataDir, "images", "os.raw"), Buffer.alloc(8192, 1));
  agent = await startStandInAgent({ apiUrl: tc.url, macs: ["52:54:00:0c:11:01"], writeImagePolls: 25 });
});
afterAll(async () => {
  agent.stop();
  await tc.stop();
});

test("enroll to active and back with the CLI", async () => {
  let r = await teeth("node", "create", "--name", "c1", "--driver-info", "ipmi_password=secret", "--property", "cpus=2");
  expect(r.code).toBe(0);
  expect(r.out).toContain("******");
  expect(r.out).not.toContain("secret");
  expect((await teeth("port", "create", "52:54:00:0c:11:01", "--node", "c1")).code).toBe(0);
  r = await teeth("node", "manage", "c1", "--wait");
  expect(r.code).toBe(0);
  expect(r.out).toContain("manageable");
  expect((await teeth("node", "provide", "c1", "--wait")).code).toBe(0);
  r = await teeth("node", "list");
  expect(r.out).toMatch(/c1\s+power off\s+available/);
  r = await teeth("node", "deploy", "c1", "--image", "os.raw");
  expect(r.err).toContain("write_image");
  expect(r.err).toMatch(/\[#*-*\]\s+\d+%/);
  expect(r.code).toBe(0);
  expect(r.out).toContain("c1: active");
  r = await teeth("node", "show", "c1", "--json");
  expect(JSON.parse(r.out).provision_state).toBe("active");
  expect((await teeth("node", "undeploy", "c1", "--wait")).code).toBe(0);
  r = await teeth("node", "power", "c1", "on");
  expect(r.code).toBe(0);
  r = await teeth("port", "list", "--node", "c1", "--json");
  expect(JSON.parse(r.out)[0].address).toBe("52:54:00:0c:11:01");
}, 60_000);

test("failures exit non-zero with the reason", async () => {
  let r = await teeth("node", "show", "nope");
  expect(r.code).toBe(1);
  expect(r.err).toContain("Node nope could not be found");
  r = await teeth("node", "deploy", "c1", "--image", "missing.raw");
  expect(r.code).toBe(1);
  expect(r.err).toContain("missing.raw");
  r = await teeth("node", "bogus");
  expect(r.code).toBe(2);
  r = await teeth("node", "--help");
  expect(r.code).toBe(0);
  expect(r.out).toContain("flash-firmware");
});

test("verbs that take a PORT refuse to run without one (no silent list, no silent no-op)", async () => {
  for (const verb of ["show", "delete"]) {
    const r = await teeth("port", verb);
    expect({ verb, code: r.code }).toEqual({ verb, code: 2 });
    expect(r.err).toContain("PORT or MAC");
  }
});

test("collections page with limit and a next link that resumes after the marker", async () => {
  for (const name of ["pg-1", "pg-2", "pg-3"]) expect((await teeth("node", "create", "--name", name)).code).toBe(0);
  const seen: string[] = [];
  let url: string | undefined = `${tc.url}/v1/nodes?limit=2`;
  while (url) {
    const body = (await (await fetch(url)).json()) as { nodes: Array<{ uuid: string }>; next?: string };
    expect(body.nodes.length).toBeLessThanOrEqual(2);
    seen.push(...body.nodes.map((n) => n.uuid));
    url = body.next;
  }
  const all = ((await (await fetch(`${tc.url}/v1/nodes`)).json()) as { nodes: Array<{ uuid: string }> }).nodes.map((n) => n.uuid);
  expect(seen.sort()).toEqual(all.sort());
  expect(new Set(seen).size).toBe(seen.length);
});
