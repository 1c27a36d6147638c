/**
 * openstacksdk (Debian python3-openstacksdk 0.101, microversion up to 1.76) against the
 * in-process conductor on loopback, used as operators' tooling uses its baremetal proxy:
 * create nodes, list them with filters, fields and paging, find/get, JSON patch and update,
 * ports, traits, validate, maintenance, power with wait, boot device, manage/provide/deploy
 * (config drive)/undeploy with wait, an allocation, VIFs, delete. The script
 * (openstacksdk-baremetal.py) prints what each call returned; this test checks it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";

const PYTHON = "/usr/bin/python3";
const hasSdk = Bun.spawnSync([PYTHON, "-c", "import openstack"]).exitCode === 0;
if (!hasSdk) console.warn("openstacksdk test skipped: apt-get install python3-openstacksdk");

let tc: TestConductor;

beforeAll(async () => {
  if (!hasSdk) return;
  // Ironic's fake interfaces all round: the deploy finishes without an agent, as in Ironic's own SDK tests.
  tc = await startTestConductor({ cleaning: { automated_clean: false }, interfaces: { enabled: { deploy: ["direct", "fake"] } } });
});
afterAll(async () => {
  await tc?.destroy();
});

test.skipIf(!hasSdk)("the SDK's baremetal proxy: every call an operator makes works and reads back what it set", async () => {
  const p = Bun.spawn([PYTHON, join(import.meta.dir, "openstacksdk-baremetal.py"), tc.url], {
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, OS_CLIENT_CONFIG_FILE: "/dev/null", HOME: tc.dataDir, ...(process.env.TEETH_SDK_DEBUG ? { TEETH_SDK_DEBUG: "1" } : {}) },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (process.env.TEETH_SDK_DEBUG) console.log(stderr);
  const steps: Record<string, any> = {};
  for (const line of stdout.split("\n").filter(Boolean)) {
    const r = JSON.parse(line);
    steps[r.step] = r;
  }
  const failed = Object.values(steps).find((s) => s.error);
  expect({ failed: failed ?? null, code, stderr: code ? stderr.slice(-2000) : "" }).toEqual({ failed: null, code: 0, stderr: "" });

  expect(steps.create_node).toMatchObject({ name: "sdk-1", state: "enroll", resource_class: "gold", deploy_interface: "fake" });
  expect(steps.create_available).toMatchObject({ state: "available" });
  expect(steps.list_nodes).toMatchObject({
    all: ["sdk-1", "sdk-2"],
    details: [["sdk-1", "fake-hardware"], ["sdk-2", "fake-hardware"]],
    enroll: ["sdk-1"],
    available: ["sdk-2"],
    gold: ["sdk-1"],
    unassociated: ["sdk-1", "sdk-2"],
    paged: ["sdk-1", "sdk-2"],
    fields: [["id", "name"]],
  });
  expect(steps.find_get).toMatchObject({ found: steps.create_node.id, name: "sdk-1", resource_class: "gold" });
  expect(steps.patch_update).toMatchObject({ extra: { rack: "r1" }, owner: "acme", automated_clean: false });
  expect(steps.ports).toMatchObject({ address: "52:54:00:5d:00:01", ports: [["52:54:00:5d:00:01", steps.create_node.id]] });
  expect(steps.traits.traits).toEqual(["CUSTOM_GOLD", "HW_CPU_X86_AVX2"]);
  expect(steps.validate).toMatchObject({ power: true, management: true });
  expect(steps.maintenance).toMatchObject({ set: [true, "checking cables"], unset: [false, null] });
  expect(steps.power).toMatchObject({ on: "power on", off: "power off" });
  expect(steps.boot_device).toMatchObject({ device: "pxe", persistent: true });
  expect(steps.manage_provide).toMatchObject({ manageable: "manageable", provided: "available" });
  expect(steps.allocation).toMatchObject({
    state: "active", node: steps.create_node.id, instance: true, by_instance: ["sdk-1"], associated: ["sdk-1"], group: ["sdk-1", "sdk-2"], faulty: [],
  });
  expect(steps.deploy).toMatchObject({ state: "active", target: null, last_error: null });
  expect(steps.vifs).toMatchObject({ attached: ["vif-1"], after: [] });
  expect(steps.undeploy).toMatchObject({ state: "available", instance: null, allocation: true });
  expect(steps.wait_many.states).toEqual(["available"]);
  expect(steps.delete).toMatchObject({ left: [], missing: true });
}, 120_000);
