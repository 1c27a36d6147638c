import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSilentLogger } from "../../common/logger.ts";
import { buildConfig } from "../config/load.ts";
import { createStore, type Store } from "../store/index.ts";
import { createNetboot, type Netboot } from "./index.ts";

/** Stands in for dnsmasq: records its arguments and each SIGHUP. */
function fakeDnsmasq(dir: string): string {
  const path = join(dir, "fake-dnsmasq");
  writeFileSync(path, `#!/bin/bash\necho "args $*" >> ${dir}/events\ntrap 'echo hup >> ${dir}/events' HUP\nwhile :; do sleep 0.05; done\n`);
  chmodSync(path, 0o755);
  return path;
}

describe("netboot service", () => {
  let dir: string;
  let store: Store | null = null;
  let netboot: Netboot | null = null;
  afterEach(async () => {
    await netboot?.stop();
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function setUp(file: (dir: string) => Record<string, unknown>) {
    dir = mkdtempSync(join(tmpdir(), "nb-svc-"));
    const config = buildConfig({ file: { data_dir: join(dir, "data"), ...file(dir) } });
    store = createStore(":memory:");
    netboot = createNetboot(config, { store, log: createSilentLogger(), reconcileIntervalMs: 50 });
    return config;
  }
  const addPort = (uuid: string, mac: string, node = "n1") => {
    if (!store!.nodes.get(node)) store!.nodes.insert({ uuid: node, name: null, driver: "fake-hardware", provision_state: "manageable", driver_info: {}, driver_internal_info: {}, properties: {}, instance_info: {}, extra: {}, attrs: {}, created_at: Date.now() } as never);
    store!.ports.insert({ uuid, address: mac, node_uuid: node, pxe_enabled: true, extra: {}, local_link_connection: {}, physical_network: null, name: null, created_at: Date.now(), updated_at: null });
  };
  const events = () => (existsSync(join(dir, "events")) ? readFileSync(join(dir, "events"), "utf8") : "");

  test("no driver boots over PXE: no dnsmasq, nothing written", () => {
    setUp(() => ({ enabled_drivers: ["fake-hardware"], boot: { interface: "br0", dhcp_range: { start: "10.0.0.0" } } }));
    expect(netboot!.managesDnsmasq).toBe(false);
    netboot!.start();
    expect(existsSync(join(dir, "data/boot"))).toBe(false);
  });

  test("PXE in use without an interface (the defaults): no dnsmasq binds DHCP anywhere, nothing written", () => {
    setUp(() => ({ fake_hardware: { boot: "pxe" } }));
    expect(netboot!.managesDnsmasq).toBe(false);
    netboot!.start();
    expect(existsSync(join(dir, "data/boot"))).toBe(false);
  });

  test("PXE in use with an interface but a config dnsmasq cannot run: the conductor refuses to start, naming the key", () => {
    setUp(() => ({ fake_hardware: { boot: "pxe" }, boot: { interface: "br0" } }));
    expect(() => netboot!.start()).toThrow(/Invalid configuration: boot.dhcp_range/);
  });

  test("start writes the config, the TFTP root and the known MACs, then runs dnsmasq; a removed port is dropped with SIGHUP", async () => {
    setUp((d) => ({ fake_hardware: { boot: "pxe" }, boot: { mode: "full", interface: "br0", dhcp_range: { start: "10.0.0.100", end: "10.0.0.200" }, dnsmasq_path: fakeDnsmasq(d) } }));
    addPort("p1", "52:54:00:00:00:01");
    netboot!.start();
    const boot = join(dir, "data/boot");
    await Bun.sleep(300); // the fake's trap is set
    expect(events()).toContain(`args --keep-in-foreground --conf-file=${boot}/dnsmasq.conf`);
    expect(readFileSync(join(boot, "dnsmasq.conf"), "utf8")).toContain("dhcp-range=10.0.0.100,10.0.0.200,1h");
    expect(readdirSync(join(boot, "tftp")).sort()).toEqual(["ipxe.efi", "snponly.efi", "undionly.kpxe"]);
    expect(readFileSync(join(boot, "tftp/undionly.kpxe")).equals(readFileSync("/usr/lib/ipxe/undionly.kpxe"))).toBe(true);
    expect(readdirSync(join(boot, "dhcp-hosts"))).toEqual(["52-54-00-00-00-01"]);
    // A port added through the API reaches dnsmasq without a signal (it reads the directory itself).
    addPort("p2", "52:54:00:00:00:02");
    for (let i = 0; i < 40 && readdirSync(join(boot, "dhcp-hosts")).length < 2; i++) await Bun.sleep(25);
    expect(readdirSync(join(boot, "dhcp-hosts")).sort()).toEqual(["52-54-00-00-00-01", "52-54-00-00-00-02"]);
    expect(events()).not.toContain("hup");
    store!.ports.delete("p1");
    for (let i = 0; i < 40 && !events().includes("hup"); i++) await Bun.sleep(25);
    expect(readdirSync(join(boot, "dhcp-hosts"))).toEqual(["52-54-00-00-00-02"]);
    expect(events()).toContain("hup");
    const pid = netboot!.dnsmasq!.pid!;
    await netboot!.stop();
    expect(() => process.kill(pid, 0)).toThrow();
  });

  test("a dnsmasq left by a conductor that was killed is stopped at start; a reused pid is left alone", async () => {
    const config = setUp((d) => ({ fake_hardware: { boot: "pxe" }, boot: { mode: "full", interface: "br0", dhcp_range: { start: "10.0.0.100", end: "10.0.0.200" }, dnsmasq_path: fakeDnsmasq(d) } }));
    const boot = join(config.data_dir, "boot");
    const other = Bun.spawn(["sleep", "30"], { stdio: ["ignore", "ignore", "ignore"] });
    writeFileSync(join(boot, "dnsmasq.pid"), `${other.pid}\n`);
    netboot!.start();
    await netboot!.stop();
    expect(other.exitCode).toBeNull(); // not ours: untouched
    other.kill();
    const stale = Bun.spawn([join(dir, "fake-dnsmasq"), "--keep-in-foreground", `--conf-file=${join(boot, "dnsmasq.conf")}`], { stdio: ["ignore", "ignore", "ignore"] });
    const again = createNetboot(config, { store: store!, log: createSilentLogger() });
    try {
      // A killed conductor's dnsmasq has long run its own program; this one may still be between
      // fork and exec on a loaded machine, with the test runner's command line.
      const confArg = `--conf-file=${join(boot, "dnsmasq.conf")}`;
      for (let i = 0; i < 200 && !readFileSync(`/proc/${stale.pid}/cmdline`, "utf8").includes(confArg); i++) await Bun.sleep(25);
      writeFileSync(join(boot, "dnsmasq.pid"), `${stale.pid}\n`);
      again.start();
      expect(await Promise.race([stale.exited, Bun.sleep(15_000).then(() => "still running")])).not.toBe("still running");
      expect(readFileSync(join(boot, "dnsmasq.pid"), "utf8").trim()).toBe(String(again.dnsmasq!.pid));
      await again.stop();
      expect(existsSync(join(boot, "dnsmasq.pid"))).toBe(false);
    } finally {
      stale.kill("SIGKILL");
      await again.stop();
    }
  });
});
