/**
 * Real client: Debian's python3-ironicclient (`baremetal`) on the node sub-resources and verbs:
 * traits, VIFs, BIOS settings, history, console, vendor passthru, adopt and the rescue refusal.
 * (`node service` is newer than this client, 5.0.1: not covered here.)
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";

const BAREMETAL = Bun.which("baremetal");
let tc: TestConductor;

beforeAll(async () => {
  tc = await startTestConductor();
});
afterAll(() => tc.destroy());

async function bm(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn([BAREMETAL!, ...args], { env: { ...process.env, OS_AUTH_TYPE: "none", OS_ENDPOINT: tc.url }, stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  return { code: await p.exited, out, err };
}
const json = (r: { out: string }) => JSON.parse(r.out);

test.skipIf(!BAREMETAL)("baremetal node trait, vif, bios, console, passthru, adopt, rescue, history", async () => {
  const uuid = await tc.enroll("bc1", "52:54:00:bc:00:01");

  expect((await bm("node", "add", "trait", "bc1", "CUSTOM_GPU", "HW_CPU_X86_AVX2")).code).toBe(0);
  expect(json(await bm("node", "trait", "list", "bc1", "-f", "json")).map((t: any) => t.Traits)).toEqual(["CUSTOM_GPU", "HW_CPU_X86_AVX2"]);
  let r = await bm("node", "add", "trait", "bc1", "not_a_trait");
  expect(r.code).not.toBe(0);
  expect(r.err).toContain("Schema error for trait: 'not_a_trait'");
  expect((await bm("node", "remove", "trait", "bc1", "CUSTOM_GPU")).code).toBe(0);
  r = await bm("node", "remove", "trait", "bc1", "CUSTOM_GPU");
  expect(r.code).not.toBe(0);
  expect(r.err).toContain(`doesn't have a trait 'CUSTOM_GPU'`);
  expect(json(await bm("node", "show", "bc1", "-f", "json", "-c", "traits")).traits).toEqual(["HW_CPU_X86_AVX2"]);

  expect((await bm("node", "vif", "attach", "bc1", "tenant-net-1")).code).toBe(0);
  expect(json(await bm("node", "vif", "list", "bc1", "-f", "json")).map((v: any) => v.ID)).toEqual(["tenant-net-1"]);
  r = await bm("node", "vif", "attach", "bc1", "tenant-net-2");
  expect(r.code).not.toBe(0);
  expect(r.err).toContain("Unable to attach VIF tenant-net-2, not enough free physical ports.");
  expect((await bm("node", "vif", "detach", "bc1", "tenant-net-1")).code).toBe(0);
  expect(json(await bm("node", "vif", "list", "bc1", "-f", "json"))).toEqual([]);

  expect(json(await bm("node", "bios", "setting", "list", "bc1", "-f", "json"))).toEqual([]);
  r = await bm("node", "bios", "setting", "show", "bc1", "ProcVirtualization");
  expect(r.code).not.toBe(0);
  expect(r.err).toContain(`doesn't have a BIOS setting 'ProcVirtualization'`);

  expect(json(await bm("node", "console", "show", "bc1", "-f", "json"))).toMatchObject({ console_enabled: false, console_info: null });
  r = await bm("node", "console", "enable", "bc1");
  expect(r.code).not.toBe(0);
  expect(r.err).toContain("does not support console");
  expect(json(await bm("node", "passthru", "list", "bc1", "-f", "json"))).toEqual([]);
  r = await bm("node", "passthru", "call", "bc1", "create_subscription");
  expect(r.code).not.toBe(0);
  expect(r.err).toContain("No handler for method create_subscription");

  expect((await bm("node", "adopt", "bc1", "--wait", "30")).code).toBe(0);
  expect(json(await bm("node", "show", "bc1", "-f", "json")).provision_state).toBe("active");
  r = await bm("node", "rescue", "bc1", "--rescue-password", "pw");
  expect(r.code).not.toBe(0);
  expect(r.err).toContain("Driver fake-hardware does not support rescue (disabled or not implemented).");

  const short = json(await bm("node", "history", "list", "bc1", "-f", "json"));
  expect(Object.keys(short[0]).sort()).toEqual(["Created At", "Description of the event", "Severity", "UUID"]);
  const events = json(await bm("node", "history", "list", "bc1", "--long", "-f", "json"));
  expect(events[3]).toMatchObject({ "Event Origin Type": "adoption", Conductor: tc.conductor.ctx.hostname, User: null });
  expect(events.map((e: any) => e["Description of the event"])).toEqual([
    "enroll -> verifying: manage requested",
    "verifying -> manageable: driver validated",
    "manageable -> adopting: adopt requested",
    "adopting -> active: adopted",
  ]);
  const one = json(await bm("node", "history", "get", "bc1", events[3].UUID, "-f", "json"));
  expect(one).toMatchObject({ uuid: events[3].UUID, event: "adopting -> active: adopted", event_type: "adoption", severity: "INFO" });
  expect(uuid).toBeTruthy();
}, 120_000);
