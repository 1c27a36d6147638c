import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestConductor, type TestConductor } from "../../test/conductor/helpers/harness.ts";
import { parseMac } from "./mac.ts";
import { NETBOOT_KEY } from "./netboot-state.ts";

const MAC = "52:54:00:78:10:01";
const TOKEN = "operator-token-0123456789";

describe("network boot over HTTP", () => {
  let h: TestConductor | null = null;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "nb-routes-"));
  });
  afterEach(async () => {
    await h?.stop();
    h = null;
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(boot: Record<string, unknown> = {}, dataDir?: string) {
    writeFileSync(join(dir, "vmlinuz"), Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251)));
    writeFileSync(join(dir, "initramfs.img"), "initramfs");
    h = await startTestConductor(
      { auth: { token: TOKEN }, fake_hardware: { boot: "pxe" }, boot: { mode: "none", kernel: join(dir, "vmlinuz"), initramfs: join(dir, "initramfs.img"), ...boot } },
      dataDir,
    );
    return h;
  }
  const auth = { Authorization: `Bearer ${TOKEN}` };
  const get = (path: string, headers: Record<string, string> = {}) => fetch(h!.url + path, { headers });
  async function enroll(name: string, mac: string, driverInfo: Record<string, unknown> = {}, properties: Record<string, unknown> = {}) {
    const n = await h!.api("POST", "/v1/nodes", { name, driver: "fake-hardware", driver_info: driverInfo, properties }, auth);
    expect(n.status).toBe(201);
    expect((await h!.api("POST", "/v1/ports", { address: mac, node_uuid: n.json.uuid }, auth)).status).toBe(201);
    return h!.conductor.store.nodes.get(n.json.uuid)!;
  }

  test("MACs are read in both iPXE spellings and refused otherwise", () => {
    expect(parseMac("52-54-00-AB-cd-01")).toBe("52:54:00:ab:cd:01");
    expect(parseMac("52:54:00:ab:cd:01")).toBe("52:54:00:ab:cd:01");
    for (const bad of ["52:54:00:ab:cd", "52:54:00-ab:cd:01", "52:54:00:ab:cd:0g", "5254.00ab.cd01", "52:54:00:ab:cd:01:02", ""]) expect(parseMac(bad)).toBeNull();
  });

  test("boot.ipxe chains to the booting NIC's script, without credentials though the API needs them", async () => {
    await start({ http_url: "http://10.78.0.1:6385" });
    expect((await get("/v1/nodes")).status).toBe(401);
    const r = await get("/boot/boot.ipxe");
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(text.startsWith("#!ipxe\n")).toBe(true);
    expect(text).toContain("chain --autofree http://10.78.0.1:6385/boot/${mac:hexhyp}.ipxe || goto failed");
  });

  test("a MAC of no node: no boot by default, the RAM disk (to look up) when unknown-MAC boot is on", async () => {
    await start();
    let text = await (await get("/boot/52-54-00-99-99-99.ipxe")).text();
    expect(text).not.toContain("kernel ");
    expect(text).toContain("\nexit\n");
    await h!.stop();
    h = null;
    await start({ unknown_mac: "ramdisk" });
    text = await (await get("/boot/52-54-00-99-99-99.ipxe")).text();
    expect(text).toContain(`kernel ${h!.url}/boot/ramdisk/vmlinuz initrd=initramfs.img ipa-api-url=${h!.url} BOOTIF=01-52-54-00-99-99-99 ipa-global-request-id=req-`);
    expect(text).toContain(`initrd ${h!.url}/boot/ramdisk/initramfs.img`);
  });

  test("with discovery on, an unknown MAC boots the RAM disk by default (unknown_mac auto), told where to post its inventory", async () => {
    h = await startTestConductor({
      auth: { token: TOKEN }, fake_hardware: { boot: "pxe" }, discovery: { enabled: true, driver: "fake-hardware" },
      boot: { mode: "none", kernel: join(dir, "vmlinuz"), initramfs: join(dir, "initramfs.img") },
    });
    const text = await (await get("/boot/52-54-00-99-99-98.ipxe")).text();
    expect(text).toContain(`ipa-api-url=${h.url} ipa-inspection-callback-url=${h.url}/v1/continue_inspection BOOTIF=01-52-54-00-99-99-98`);
    const known = await enroll("known-1", MAC);
    expect(known.uuid).toBeTruthy();
    // a known node's RAM disk looks up as itself: no discovery parameter
    expect(await (await get(`/boot/${MAC.replaceAll(":", "-")}.ipxe`)).text()).not.toContain("ipa-inspection-callback-url");
  });

  test("with discovery on but boot.unknown_mac none, an unknown MAC is left alone", async () => {
    h = await startTestConductor({
      auth: { token: TOKEN }, fake_hardware: { boot: "pxe" }, discovery: { enabled: true, driver: "fake-hardware" },
      boot: { mode: "none", unknown_mac: "none", kernel: join(dir, "vmlinuz"), initramfs: join(dir, "initramfs.img") },
    });
    const text = await (await get("/boot/52-54-00-99-99-97.ipxe")).text();
    expect(text).not.toContain("kernel ");
    expect(text).toContain("belongs to no enrolled node");
  });

  test("a malformed MAC is a 400 and an unknown path a 404, both with Ironic's error body", async () => {
    await start();
    const bad = await get("/boot/not-a-mac.ipxe");
    expect(bad.status).toBe(400);
    expect(JSON.parse(((await bad.json()) as any).error_message).faultstring).toBe("Expected a MAC address but received not-a-mac.");
    // Only /boot/{file} and /boot/ramdisk/{file} are public; deeper paths need credentials like any other.
    expect((await get("/boot/x/y.ipxe")).status).toBe(401);
    for (const path of ["/boot/52-54-00-99-99-99", "/boot/ramdisk/passwd"]) {
      const r = await get(path);
      expect(r.status).toBe(404);
      expect(JSON.parse(((await r.json()) as any).error_message).faultstring).toContain("could not be found");
    }
  });

  test("prepareRamdisk -> RAM disk script with the agent's parameters and no secret; it survives a restart; cleanup -> local boot", async () => {
    await start({ kernel_params: "console=ttyS0 ipa-debug=1" });
    const dataDir = h!.dataDir;
    const firstUrl = h!.url;
    const node = await enroll("n1", MAC, { kernel_append_params: "nomodeset", ipmi_password: "s3cret" }, { capabilities: "boot_mode:bios" });
    const boot = h!.conductor.drivers.get("fake-hardware").boot;
    expect((await (await get(`/boot/${MAC}.ipxe`)).text())).toContain("sanboot"); // enrolled, never prepared: local
    await boot.prepareRamdisk(node, { kernelParams: { "ipa-api-url": "http://10.78.0.1:6385" } });
    h!.conductor.store.nodes.update(node.uuid, { agent_token: "agent-token-secret" });
    const script = await (await get("/boot/52-54-00-78-10-01.ipxe")).text();
    const kernel = script.split("\n").find((l) => l.startsWith("kernel "))!;
    expect(kernel).toMatch(/^kernel http:\/\/127\.0\.0\.1:\d+\/boot\/ramdisk\/vmlinuz initrd=initramfs\.img ipa-api-url=http:\/\/10\.78\.0\.1:6385 BOOTIF=01-52-54-00-78-10-01 ipa-global-request-id=req-[0-9a-f-]{36} console=ttyS0 ipa-debug=1 nomodeset \|\| goto retry$/);
    expect(script).toContain("\nboot || goto retry\n");
    expect(script).not.toContain("s3cret");
    expect(script).not.toContain("agent-token-secret");
    await h!.stop();
    h = null;
    await start({ kernel_params: "console=ttyS0 ipa-debug=1" }, dataDir);
    expect(await (await get(`/boot/${MAC}.ipxe`)).text()).toBe(script.replaceAll(firstUrl, h!.url));
    await h!.conductor.drivers.get("fake-hardware").boot.cleanUpRamdisk(node);
    const local = await (await get(`/boot/${MAC}.ipxe`)).text();
    expect(local).not.toContain("kernel ");
    expect(local).toContain("sanboot --no-describe --drive 0x80 || exit");
    expect(h!.conductor.store.nodes.get(node.uuid)!.driver_internal_info[NETBOOT_KEY]).toMatchObject({ boot: "local", reason: "cleaned" });
  });

  test("inspect through the API boots the node into the RAM disk; a UEFI node's instance boot is exit", async () => {
    await start();
    const node = await enroll("n2", MAC);
    await h!.api("PUT", "/v1/nodes/n2/states/provision", { target: "manage" }, auth);
    for (let i = 0; i < 100 && h!.conductor.store.nodes.get(node.uuid)!.provision_state !== "manageable"; i++) await Bun.sleep(50);
    const r = await h!.api("PUT", "/v1/nodes/n2/states/provision", { target: "inspect" }, auth);
    expect(r.status).toBe(202);
    const deadline = Date.now() + 5000;
    let script = "";
    while (Date.now() < deadline && !script.includes("kernel ")) script = await (await get(`/boot/${MAC}.ipxe`)).text();
    expect(script).toContain(`ipa-api-url=${h!.url} BOOTIF=01-52-54-00-78-10-01`);
    await h!.conductor.idle();
    await h!.conductor.drivers.get("fake-hardware").boot.prepareInstance(node);
    expect(await (await get(`/boot/${MAC}.ipxe`)).text()).toBe("#!ipxe\necho Teeth: booting from the local disk\nexit\n");
  }, 20_000);

  test("a kernel parameter that could break out of the script fails prepareRamdisk and changes nothing", async () => {
    await start();
    const node = await enroll("n3", MAC, { kernel_append_params: "quiet ${net0/ip}" });
    const boot = h!.conductor.drivers.get("fake-hardware").boot;
    expect(boot.prepareRamdisk(node, { kernelParams: { "ipa-api-url": "http://x" } })).rejects.toThrow(/characters iPXE cannot take/);
    const ok = await enroll("n4", "52:54:00:78:10:02");
    expect(boot.prepareRamdisk(ok, { kernelParams: { "ipa-api-url": "http://x/${net0/ip}" } })).rejects.toThrow(/ipa-api-url/);
    expect(await (await get(`/boot/${MAC}.ipxe`)).text()).not.toContain("kernel ");
    const bare = (await h!.api("POST", "/v1/nodes", { name: "n5", driver: "fake-hardware" }, auth)).json;
    expect(boot.prepareRamdisk(h!.conductor.store.nodes.get(bare.uuid)!, { kernelParams: {} })).rejects.toThrow(/no PXE-enabled port/);
  });

  test("the RAM disk files are served with Range, as images are", async () => {
    await start();
    const full = await get("/boot/ramdisk/vmlinuz");
    expect(full.status).toBe(200);
    expect(full.headers.get("accept-ranges")).toBe("bytes");
    expect((await full.arrayBuffer()).byteLength).toBe(4096);
    const part = await get("/boot/ramdisk/vmlinuz", { Range: "bytes=1000-1009" });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe("bytes 1000-1009/4096");
    expect([...new Uint8Array(await part.arrayBuffer())]).toEqual(Array.from({ length: 10 }, (_, i) => (1000 + i) % 251));
    expect((await get("/boot/ramdisk/vmlinuz", { Range: "bytes=5000-" })).status).toBe(416);
    const head = await fetch(`${h!.url}/boot/ramdisk/initramfs.img`, { method: "HEAD" });
    expect(head.headers.get("content-length")).toBe("9");
    rmSync(join(dir, "initramfs.img"));
    expect((await get("/boot/ramdisk/initramfs.img")).status).toBe(404);
  });
});
