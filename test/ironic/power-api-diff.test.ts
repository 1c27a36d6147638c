/**
 * Differential test: the same power, management and validate requests sent to a real Ironic
 * 21.4 (fake-hardware, API 1.82) and to the Teeth conductor (fake-hardware), for a node of the
 * same name in each; statuses, Location headers, error texts and body shapes must agree.
 *
 * Known, intended differences (asserted as such, so a change on either side is noticed):
 * - Ironic 21.4's fake management accepts only `pxe` and always reports `pxe`/not persistent;
 *   Teeth's fake-hardware accepts Ironic's five devices and reports what was set.
 * - `inspect`: the Ironic here is configured with `no-inspect`; Teeth inspects through its agent.
 * - Malformed bodies are a 400 on both sides, with Ironic's WSME wording on one side and the
 *   field named by zod on the other.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestConductor, type TestConductor } from "../conductor/helpers/harness.ts";
import { createDiff, shape } from "./differential.ts";
import { ironicMissing, startIronic, type IronicServer } from "./ironic-server.ts";

const SKIP = ironicMissing();
if (SKIP) console.warn(`test/ironic power-api-diff skipped: ${SKIP}`);

let ironic: IronicServer;
let teeth: TestConductor;
const uuids: Record<string, string> = {};

const { call, both } = createDiff({
  bases: () => ({ ironic: ironic.url, teeth: teeth.url }),
  text: (side, text) => text.replaceAll(uuids[side] ?? "\0", "<uuid>"),
});

async function settled(name: string) {
  for (const side of ["ironic", "teeth"] as const) {
    for (let i = 0; i < 200; i++) {
      const n = (await call(side, "GET", `/v1/nodes/${name}`)).body;
      if (!n.target_power_state) break;
      await Bun.sleep(50);
    }
  }
  return {
    ironic: (await call("ironic", "GET", `/v1/nodes/${name}`)).body,
    teeth: (await call("teeth", "GET", `/v1/nodes/${name}`)).body,
  };
}

beforeAll(async () => {
  if (SKIP) return;
  [ironic, teeth] = await Promise.all([startIronic(), startTestConductor()]);
  for (const side of ["ironic", "teeth"] as const) {
    const r = await call(side, "POST", "/v1/nodes", { name: "dp1", driver: "fake-hardware" });
    expect(r.status).toBe(201);
    uuids[side] = r.body.uuid;
  }
}, 120_000);
afterAll(async () => {
  await Promise.all([ironic?.stop(), teeth?.destroy()]);
});

test.skipIf(!!SKIP)("validate: the same interfaces, results and reasons", async () => {
  const r = await both("GET", "/v1/nodes/dp1/validate");
  expect([r.ironic.status, r.teeth.status]).toEqual([200, 200]);
  expect(Object.keys(r.teeth.body)).toEqual(Object.keys(r.ironic.body));
  const { inspect: ironicInspect, ...ironicRest } = r.ironic.body;
  const { inspect: teethInspect, ...teethRest } = r.teeth.body;
  expect(teethRest).toEqual(ironicRest);
  expect(ironicInspect).toEqual({ result: false, reason: "Driver fake-hardware does not support inspect (disabled or not implemented)." });
  expect(teethInspect).toEqual({ result: true });
});

test.skipIf(!!SKIP)("boot device: same statuses and shapes; an unsupported device is the same 400", async () => {
  let r = await both("GET", "/v1/nodes/dp1/management/boot_device");
  expect([r.ironic.status, r.teeth.status]).toEqual([200, 200]);
  expect(Object.keys(r.teeth.body)).toEqual(Object.keys(r.ironic.body));
  r = await both("GET", "/v1/nodes/dp1/management/boot_device/supported");
  expect([r.ironic.status, r.teeth.status]).toEqual([200, 200]);
  expect(shape(r.teeth.body)).toEqual(shape(r.ironic.body));
  expect(r.ironic.body.supported_boot_devices).toEqual(["pxe"]);
  expect(r.teeth.body.supported_boot_devices).toContain("pxe");

  r = await both("PUT", "/v1/nodes/dp1/management/boot_device", { boot_device: "pxe", persistent: true });
  expect([r.ironic.status, r.teeth.status, r.ironic.body, r.teeth.body]).toEqual([204, 204, null, null]);
  r = await both("GET", "/v1/nodes/dp1/management/boot_device");
  expect(shape(r.teeth.body)).toEqual({ boot_device: "string", persistent: "boolean" });
  expect(shape(r.ironic.body)).toEqual({ boot_device: "string", persistent: "boolean" });

  r = await both("PUT", "/v1/nodes/dp1/management/boot_device", { boot_device: "floppy" });
  expect([r.ironic.status, r.ironic.fault]).toEqual([400, "Invalid boot device floppy specified."]);
  expect([r.teeth.status, r.teeth.fault]).toEqual([r.ironic.status, r.ironic.fault]);
  for (const body of [{}, { boot_device: "pxe", persistent: "maybe" }, { boot_device: "pxe", bogus: 1 }]) {
    r = await both("PUT", "/v1/nodes/dp1/management/boot_device", body);
    expect({ body, ironic: r.ironic.status, teeth: r.teeth.status }).toEqual({ body, ironic: 400, teeth: 400 });
  }
});

test.skipIf(!!SKIP)("power: 202 with the same Location, the same end states, the same refusals", async () => {
  const steps: [unknown, string][] = [
    [{ target: "power on" }, "power on"],
    [{ target: "soft power off", timeout: 10 }, "power off"],
    [{ target: "soft rebooting" }, "power on"],
    [{ target: "rebooting", timeout: 30 }, "power on"],
    [{ target: "power off" }, "power off"],
    [{ target: "power off" }, "power off"],
  ];
  for (const [body, end] of steps) {
    const r = await both("PUT", "/v1/nodes/dp1/states/power", body);
    expect({ body, ironic: [r.ironic.status, r.ironic.location] }).toEqual({ body, ironic: [202, "BASE/v1/nodes/dp1/states"] });
    expect({ body, teeth: [r.teeth.status, r.teeth.location] }).toEqual({ body, teeth: [202, "BASE/v1/nodes/dp1/states"] });
    const n = await settled("dp1");
    expect({ body, ironic: [n.ironic.power_state, n.ironic.last_error], teeth: [n.teeth.power_state, n.teeth.last_error] }).toEqual({ body, ironic: [end, null], teeth: [end, null] });
  }
  const refusals: [unknown, string?][] = [
    [{ target: "bogus" }],
    [{ target: "power on", timeout: 0 }],
    [{ target: "power on", timeout: -3 }],
    [{ target: "soft power off" }, "1.26"],
    [{ target: "soft rebooting" }, "1.26"],
    [{ target: "power on", timeout: 5 }, "1.26"],
  ];
  for (const [body, version] of refusals) {
    const r = await both("PUT", "/v1/nodes/dp1/states/power", body, version);
    expect({ body, version, status: r.teeth.status, fault: r.teeth.fault }).toEqual({ body, version, status: r.ironic.status, fault: r.ironic.fault });
    expect(r.ironic.status).toBeGreaterThanOrEqual(400);
  }
  for (const body of [{}, { target: "power on", x: 1 }, { target: 5 }, { target: "power on", timeout: "abc" }]) {
    const r = await both("PUT", "/v1/nodes/dp1/states/power", body);
    expect({ body, ironic: r.ironic.status, teeth: r.teeth.status }).toEqual({ body, ironic: 400, teeth: 400 });
  }
});

test.skipIf(!!SKIP)("an unknown node is the same 404 everywhere; error bodies have Ironic's shape", async () => {
  for (const [method, path, body] of [
    ["PUT", "/v1/nodes/nope/states/power", { target: "power on" }],
    ["GET", "/v1/nodes/nope/validate"],
    ["GET", "/v1/nodes/nope/management/boot_device"],
    ["GET", "/v1/nodes/nope/management/boot_device/supported"],
    ["PUT", "/v1/nodes/nope/management/boot_device", { boot_device: "pxe" }],
  ] as [string, string, unknown?][]) {
    const r = await both(method, path, body);
    expect({ path, method, status: r.teeth.status, fault: r.teeth.fault }).toEqual({ path, method, status: 404, fault: "Node nope could not be found." });
    expect({ path, method, status: r.ironic.status, fault: r.ironic.fault }).toEqual({ path, method, status: 404, fault: "Node nope could not be found." });
    expect(Object.keys(JSON.parse(r.teeth.body.error_message)).sort()).toEqual(Object.keys(JSON.parse(r.ironic.body.error_message)).sort());
  }
});
