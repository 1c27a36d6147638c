/**
 * Pre-staging (`deploy.prestage_image`) with the in-process conductor and a stand-in agent
 * that remembers what `standby.cache_image` left (as the real one): a node in `available`
 * with a live agent gets the image, recorded on the node; a deploy of the same checksum is
 * written as config drive only, another image as usual; a node taken out of available
 * mid-way is not recorded; a deploy arriving mid-way waits for the agent and succeeds;
 * cleaning clears the record. The passes are run by hand (`passOnce`), the loop's interval
 * being an hour.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildConfig } from "../../conductor/config/load.ts";
import type { FakeHardware } from "../../conductor/drivers/fake/index.ts";
import { startStandInAgent, type StandInAgent } from "./helpers/stand-in-agent.ts";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";

let tc: TestConductor;
let fake: FakeHardware;
const agents: StandInAgent[] = [];
const IMAGE = Buffer.alloc(8192, 3);
const SUM = new Bun.CryptoHasher("sha256").update(IMAGE).digest("hex");

beforeAll(async () => {
  tc = await startTestConductor({
    agent: { fast_track: true, poll_interval_s: 0.1, heartbeat_timeout_s: 60 },
    deploy: { prestage_image: { image_source: "golden.raw" }, prestage_interval_s: 3600 },
  });
  mkdirSync(join(tc.dataDir, "images"), { recursive: true });
  writeFileSync(join(tc.dataDir, "images", "golden.raw"), IMAGE);
  writeFileSync(join(tc.dataDir, "images", "other.raw"), Buffer.alloc(4096, 9));
  fake = tc.conductor.drivers.get("fake-hardware") as unknown as FakeHardware;
});
afterAll(async () => {
  for (const a of agents) a.stop();
  await tc.destroy();
});

async function availableMachine(name: string, mac: string, o: { cacheImagePolls?: number; cacheImageMs?: number; failCacheImage?: string } = {}): Promise<{ uuid: string; agent: StandInAgent }> {
  const uuid = await tc.enroll(name, mac);
  const agent = await startStandInAgent({ apiUrl: tc.url, macs: [mac], heartbeatMs: 100, cacheImagePolls: o.cacheImagePolls, cacheImageMs: o.cacheImageMs, failCacheImage: o.failCacheImage });
  agents.push(agent);
  fake.onAction((a) => {
    if (a.node === uuid && a.kind === "power" && (a.value === "rebooting" || a.value === "power on")) agent.reboot();
  });
  await provision(name, "provide", "available");
  await tc.conductor.idle();
  return { uuid, agent };
}

const provision = async (name: string, target: string, state: string) => {
  const r = await tc.api("PUT", `/v1/nodes/${name}/states/provision`, { target });
  expect(r.status).toBe(202);
  // (available -> manageable keeps its target_provision_state, so only the state is waited for there.)
  return tc.waitFor(name, (n) => n.provision_state === state && (target === "manage" || !n.target_provision_state), 20_000);
};
const node = async (name: string) => (await tc.api("GET", `/v1/nodes/${name}`)).json;
const history = async (name: string): Promise<string[]> => (await tc.api("GET", `/v1/nodes/${name}/history?detail=True`)).json.history.map((h: any) => h.event);
const pass = async (uuid: string) => (await tc.conductor.prestager.passOnce()).get(uuid);
/** Passes until the agent's cache_image has ended and the outcome is recorded. */
async function passUntilDone(uuid: string): Promise<string | undefined> {
  for (let i = 0; i < 50; i++) {
    const o = await pass(uuid);
    if (o !== "running") return o;
    await Bun.sleep(50);
  }
  return "running";
}
const deployWrite = (agent: StandInAgent) => agent.commands.filter((c) => c.name === "deploy.execute_deploy_step" && (c.params.step as any).step === "write_image");

describe("pre-staged images", () => {
  test("a node in available with a live agent gets the image, recorded on the node; a deploy of it writes only the config drive", async () => {
    const { uuid, agent } = await availableMachine("ps1", "52:54:00:f8:00:01");
    expect(await pass(uuid)).toBe("started");
    const cache = agent.commands.find((c) => c.name === "standby.cache_image")!;
    expect((cache.params.image_info as any)).toMatchObject({ urls: [`${tc.url}/images/golden.raw`], os_hash_algo: "sha256", os_hash_value: SUM, node_uuid: uuid });
    expect((await node("ps1")).driver_internal_info.prestaging).toMatchObject({ source: "golden.raw", checksum: `sha256:${SUM}` });
    expect(await passUntilDone(uuid)).toBe("staged");
    const staged = (await node("ps1")).driver_internal_info.prestaged_image;
    expect(staged).toMatchObject({ source: "golden.raw", checksum: `sha256:${SUM}`, device: "/dev/vda", bytes_written: 4096 });
    expect((await node("ps1")).driver_internal_info.prestaging).toBeUndefined();
    expect(await pass(uuid)).toBe("up to date");
    expect(agent.commands.filter((c) => c.name === "standby.cache_image").length).toBe(1);
    // What an operator sees.
    const cli = Bun.spawn([process.execPath, join(import.meta.dir, "../../main.ts"), "node", "show", "ps1", "--url", tc.url], { stdout: "pipe", stderr: "pipe" });
    const shown = await new Response(cli.stdout).text();
    expect(await cli.exited).toBe(0);
    expect(shown).toContain(`pre-staged image  golden.raw (sha256:${SUM}) on /dev/vda since ${staged.at}`);

    await tc.api("PATCH", "/v1/nodes/ps1", [{ op: "add", path: "/instance_info/image_source", value: "golden.raw" }]);
    const done = await provision("ps1", "active", "active");
    expect(done.driver_internal_info.prestaged_image).toBeUndefined();
    const h = await history("ps1");
    expect(h).toContain(`Deploy of the pre-staged image golden.raw (sha256:${SUM}): the agent writes only the config drive.`);
    expect(h).toContain("write_image: image already on device; only the config drive written (512 bytes written)");
  }, 60_000);

  test("a deploy of another image is written as usual", async () => {
    const { uuid, agent } = await availableMachine("ps2", "52:54:00:f8:00:02");
    expect(await pass(uuid)).toBe("started");
    expect(await passUntilDone(uuid)).toBe("staged");
    await tc.api("PATCH", "/v1/nodes/ps2", [{ op: "add", path: "/instance_info/image_source", value: "other.raw" }]);
    await provision("ps2", "active", "active");
    expect(await history("ps2")).toContain("Deploy of another image than the pre-staged golden.raw: the image is written as usual.");
    expect(deployWrite(agent).length).toBe(1);
    expect((await history("ps2")).some((e) => e.includes("only the config drive"))).toBe(false);
  }, 60_000);

  test("a node taken out of available (manage) mid-way is not recorded as pre-staged", async () => {
    const { uuid } = await availableMachine("ps3", "52:54:00:f8:00:03", { cacheImagePolls: 1_000_000 });
    expect(await pass(uuid)).toBe("started");
    await provision("ps3", "manage", "manageable");
    expect(await pass(uuid)).toBe("abandoned");
    const n = await node("ps3");
    expect(n.driver_internal_info.prestaging).toBeUndefined();
    expect(n.driver_internal_info.prestaged_image).toBeUndefined();
    expect((await history("ps3")).some((e) => e === "Pre-staging of golden.raw abandoned: the node left available (manageable); not recorded.")).toBe(true);
  }, 60_000);

  test("a deploy arriving while the agent pre-stages is accepted at once, waits for the agent, and ends active", async () => {
    const { uuid, agent } = await availableMachine("ps4", "52:54:00:f8:00:04", { cacheImageMs: 1500 });
    expect(await pass(uuid)).toBe("started");
    await tc.api("PATCH", "/v1/nodes/ps4", [{ op: "add", path: "/instance_info/image_source", value: "golden.raw" }]);
    // Not refused (the pre-staging holds no lock) and not failed (the busy agent is waited for).
    const n = await provision("ps4", "active", "active");
    expect(n.last_error).toBeNull();
    // The cache finished first, so the deploy used it: only the config drive was written.
    expect(agent.commands.filter((c) => c.name === "standby.cache_image").length).toBe(1);
    expect((await history("ps4")).some((e) => e.includes("only the config drive written"))).toBe(true);
    expect(n.driver_internal_info.prestaging).toBeUndefined();
  }, 60_000);

  test("cleaning clears the record; the agent's erase steps make it forget its cache", async () => {
    const { uuid, agent } = await availableMachine("ps5", "52:54:00:f8:00:05");
    expect(await pass(uuid)).toBe("started");
    expect(await passUntilDone(uuid)).toBe("staged");
    expect(agent.cached).toBe(`sha256:${SUM}`);
    await provision("ps5", "manage", "manageable");
    expect((await node("ps5")).driver_internal_info.prestaged_image).toBeDefined();
    await provision("ps5", "provide", "available");
    expect((await node("ps5")).driver_internal_info.prestaged_image).toBeUndefined();
    expect(agent.cached).toBeNull();
  }, 60_000);

  test("a failed pre-staging is recorded with the agent's reason and not retried before prestage_retry_s", async () => {
    const { uuid, agent } = await availableMachine("ps6", "52:54:00:f8:00:06", { failCacheImage: "Image checksum mismatch: expected 1 got 2" });
    expect(await pass(uuid)).toBe("started");
    expect(await passUntilDone(uuid)).toBe("failed");
    const n = await node("ps6");
    expect(n.driver_internal_info.prestaged_image).toBeUndefined();
    expect(n.driver_internal_info.prestage_failed).toMatchObject({ checksum: `sha256:${SUM}` });
    expect(n.driver_internal_info.prestage_failed.reason).toContain("Image checksum mismatch");
    expect((await history("ps6")).some((e) => e.startsWith("Pre-staging of golden.raw failed: ") && e.includes("checksum mismatch"))).toBe(true);
    expect(await pass(uuid)).toBe("waiting to retry");
    expect(agent.commands.filter((c) => c.name === "standby.cache_image").length).toBe(1);
    expect(n.provision_state).toBe("available");
  }, 30_000);
});

describe("deploy.prestage_image is checked like instance_info's image", () => {
  const bad = (prestage_image: unknown) => () => buildConfig({ file: { deploy: { prestage_image } }, flags: { data_dir: "/tmp/x" } });
  test("an http(s) URL needs a checksum; credentials in it, other schemes and path names are refused", () => {
    expect(bad({ image_source: "http://img.example/os.raw" })).toThrow(/needs image_checksum or image_os_hash_algo/);
    expect(bad({ image_source: "http://user:pw@img.example/os.raw", image_checksum: "a".repeat(64) })).toThrow(/must not carry credentials/);
    expect(bad({ image_source: "file:///etc/shadow", image_checksum: "a".repeat(64) })).toThrow(/http\(s\) URL or the name of a file/);
    expect(bad({ image_source: "../etc/passwd" })).toThrow(/http\(s\) URL or the name of a file/);
    expect(bad({ image_source: "os.raw", image_os_hash_algo: "sha256" })).toThrow(/go together/);
    expect(bad({ image_source: "os.raw", image_os_hash_algo: "crc32", image_os_hash_value: "ab" })).toThrow(/image_os_hash_algo/);
    expect(bad({ image_source: "os.raw", extra: 1 })).toThrow(/extra/);
    const ok = buildConfig({ file: { deploy: { prestage_image: { image_source: "https://img.example/os.qcow2", image_os_hash_algo: "sha256", image_os_hash_value: "b".repeat(64), image_disk_format: "qcow2" } } }, flags: { data_dir: "/tmp/x" } });
    expect(ok.deploy.prestage_image?.image_source).toBe("https://img.example/os.qcow2");
    expect(buildConfig({ flags: { data_dir: "/tmp/x" } }).deploy.prestage_image).toBeNull();
  });
});
