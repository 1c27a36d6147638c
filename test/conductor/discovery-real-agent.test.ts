/**
 * Discovery with the real agent (`dist/teeth agent` when built, else `bun main.ts agent`):
 * started with a conductor that knows none of its MACs and `ipa-inspection-callback-url`,
 * its lookup misses, it posts its inventory, the conductor enrolls it, and it keeps looking
 * up. Without fast track lookup keeps missing while the node is in `enroll`; with fast track
 * the agent looks up as the new node and `manage` + `inspect` reuse it. The agent sees no
 * disk (`--teeth-only-disks` names one that does not exist) and never touches power.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startTestConductor, type TestConductor } from "./helpers/harness.ts";
import { TEETH_BIN } from "../support/agent-process.ts";

const ROOT = join(import.meta.dir, "../..");
const AGENT = existsSync(TEETH_BIN) ? [TEETH_BIN, "agent"] : [process.execPath, join(ROOT, "main.ts"), "agent"];

describe("discovery with the real agent", () => {
  let h: TestConductor | null = null;
  let agent: ReturnType<typeof Bun.spawn> | null = null;
  let work = "";
  let out = "";
  afterEach(async () => {
    agent?.kill("SIGKILL");
    await agent?.exited;
    agent = null;
    await h?.destroy();
    h = null;
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function run(conductor: Record<string, unknown>) {
    h = await startTestConductor({ discovery: { enabled: true, driver: "fake-hardware" }, ...conductor });
    work = mkdtempSync(join(tmpdir(), "teeth-disc-agent-"));
    out = "";
    agent = Bun.spawn(
      [
        ...AGENT,
        `--ipa-api-url=${h.url}`,
        `--ipa-inspection-callback-url=${h.url}/v1/continue_inspection`,
        "--teeth-cmdline-file=/dev/null",
        "--ipa-listen-host=127.0.0.1",
        `--ipa-listen-port=${freePort()}`,
        "--ipa-advertise-host=127.0.0.1",
        "--teeth-simulate-power=1",
        "--teeth-only-disks=/dev/teeth-discovery-no-such-disk",
        `--teeth-tls-dir=${join(work, "tls")}`,
        "--ipa-lookup-interval=0.2",
      ],
      { stdout: "pipe", stderr: "pipe", cwd: work },
    );
    for (const s of [agent.stdout, agent.stderr] as ReadableStream<Uint8Array>[]) {
      void (async () => {
        const dec = new TextDecoder();
        for await (const chunk of s) out += dec.decode(chunk);
      })();
    }
  }

  async function until<T>(what: string, f: () => Promise<T | null | undefined> | T | null | undefined, ms = 60_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await f();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out: ${what}\nagent log:\n${out.slice(-4000)}`);
      await Bun.sleep(100);
    }
  }
  const discovered = async () => ((await h!.api("GET", "/v1/nodes?fields=uuid,provision_state,extra")).json.nodes as any[]).find((n) => n.extra?.discovered);
  const lines = () => out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));

  test("lookup misses, the inventory is posted once, the node appears in enroll with the agent's MACs, lookup goes on", async () => {
    await run({});
    const node = await until("a discovered node", discovered);
    expect(node.provision_state).toBe("enroll");
    const inv = (await h!.api("GET", `/v1/nodes/${node.uuid}/inventory`, undefined, { "X-OpenStack-Ironic-API-Version": "1.81" })).json.inventory;
    const macs = (inv.interfaces as any[]).map((i) => String(i.mac_address).toLowerCase()).filter((m) => m !== "00:00:00:00:00:00").sort();
    const ports = ((await h!.api("GET", `/v1/ports?node=${node.uuid}`)).json.ports as any[]).map((p) => p.address).sort();
    expect(ports).toEqual(macs);
    expect(ports.length).toBeGreaterThan(0);
    const n = (await h!.api("GET", `/v1/nodes/${node.uuid}`)).json;
    expect(n.properties.cpus).toBe(inv.cpu.count);
    expect(n.properties.cpu_arch).toBe(inv.cpu.architecture);
    // still looking up (two more misses after the post), and the post happened once
    await until("two lookups after the post", () => {
      const l = lines();
      const at = l.findIndex((x) => x.msg?.startsWith("discovery: inventory posted"));
      return at >= 0 && l.slice(at).filter((x) => x.msg === "lookup failed" && x.status === 404).length >= 2;
    });
    expect(lines().filter((x) => x.msg?.startsWith("discovery: inventory posted")).length).toBe(1);
    expect(((await h!.api("GET", "/v1/nodes")).json.nodes as any[]).length).toBe(1);
  }, 90_000);

  test("with fast track the agent looks up as the new node; manage + inspect reuse it", async () => {
    await run({ agent: { fast_track: true, heartbeat_timeout_s: 3 } });
    const node = await until("a discovered node", discovered);
    const hb = await until("the agent's heartbeat", async () => {
      const n = (await h!.api("GET", `/v1/nodes/${node.uuid}`)).json;
      return n.driver_internal_info?.agent_url || n.agent_url ? n : null;
    });
    expect(hb.provision_state).toBe("enroll");
    expect((await h!.api("PUT", `/v1/nodes/${node.uuid}/states/provision`, { target: "manage" })).status).toBe(202);
    await h!.waitFor(node.uuid, (n) => n.provision_state === "manageable", 30_000);
    // Fast track also needs the BMC to read power on (Ironic's is_fast_track); this agent is a
    // process the fake BMC does not know about, so the fake's power state is set to match it.
    expect((await h!.api("PUT", `/v1/nodes/${node.uuid}/states/power`, { target: "power on" })).status).toBe(202);
    await h!.waitFor(node.uuid, (n) => n.power_state === "power on" && !n.target_power_state, 30_000);
    expect((await h!.api("PUT", `/v1/nodes/${node.uuid}/states/provision`, { target: "inspect" })).status).toBe(202);
    const done = await h!.waitFor(node.uuid, (n) => n.provision_state === "manageable" && n.inspection_finished_at, 60_000);
    expect(done.last_error).toBeNull();
  }, 120_000);
});
