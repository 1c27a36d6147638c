/**
 * @module test/netboot/pxe-boot.test
 * PXE for real: a conductor (run inside a network namespace) with its own dnsmasq, and QEMU
 * guests (software emulation) that its fake-hardware power script starts, one with SeaBIOS
 * (the NIC's iPXE ROM goes straight to the HTTP script) and one with OVMF (the firmware's own
 * PXE client: DHCP with client-arch 7, iPXE over TFTP, then HTTP). Each guest boots the real
 * RAM disk the conductor serves; its agent looks up and heartbeats, and the node's inspection
 * ends in `manageable` with an inventory naming the guest's MAC; the conductor then powers the
 * guest off and its script turns to local boot. Run in `full` mode (the conductor's dnsmasq
 * gives addresses; killed once first, to see the conductor restart it) and in `proxy` mode
 * beside another dnsmasq playing the site's DHCP server. Everything stays in the namespace.
 *
 * The boot timeline (power-on request to first heartbeat) is printed, not asserted.
 * Skipped, saying why, when not root or the RAM disk cannot be built.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { buildRamdisk, ensureQemu, INITRD, KERNEL, REPO } from "../ramdisk/ensure-ramdisk.ts";
import { bootTimeline, dnsmasqLines, formatTimeline, powerOnTime } from "./boot-timeline.ts";
import { netnsApi, waitFor, type Api } from "../lab/lab-api.ts";
import { createNetnsLab, labNamespaces, type NetnsLab } from "../lab/netns.ts";
import { writeGuest, writePowerScript } from "./power-script.ts";

const MINUTES = 60_000;
const PORT = 6385;
const TOKEN = "netboot-lab-operator-token";
const BUN = join(REPO, "node_modules/.bin/bun");
/** The conductor runs from source (always the tree under test); `TEETH_NETBOOT_CONDUCTOR_BIN=dist/teeth` runs a compiled one. */
const CONDUCTOR = process.env.TEETH_NETBOOT_CONDUCTOR_BIN ? [join(REPO, process.env.TEETH_NETBOOT_CONDUCTOR_BIN), "conductor"] : [BUN, join(REPO, "main.ts"), "conductor"];
const DNSMASQ = "/usr/sbin/dnsmasq";
/** busybox from the RAM disk build: its udhcpc is the DHCP client probing dnsmasq. */
const BUSYBOX = join(REPO, "build/ramdisk/rootfs/bin/busybox");
const PROBE_MAC = (s: number) => `52:54:00:${s}:00:99`;

const isRoot = process.getuid?.() === 0;
const built = isRoot ? await buildRamdisk() : ({ ok: false, reason: "not root (network namespaces, taps)" } as const);
const missing = [DNSMASQ, "/usr/lib/ipxe/undionly.kpxe", "/usr/lib/ipxe/snponly.efi", "/usr/share/OVMF/OVMF_CODE.fd"].filter((p) => !existsSync(p));
const skip = !built.ok ? built.reason : missing.length ? `missing ${missing.join(", ")}` : null;
if (skip) console.warn(`SKIPPED test/netboot/pxe-boot.test.ts: ${skip}`);

interface Scenario {
  mode: "full" | "proxy";
  subnet: number;
}

const SCENARIOS: Scenario[] = [
  { mode: "full", subnet: 78 },
  { mode: "proxy", subnet: 79 },
];

const GUESTS = [
  { firmware: "bios", mac: (s: number) => `52:54:00:${s}:00:01`, tap: "nb-tap0" },
  { firmware: "uefi", mac: (s: number) => `52:54:00:${s}:00:02`, tap: "nb-tap1" },
] as const;

for (const sc of SCENARIOS) {
  describe.skipIf(skip !== null)(`PXE boot in QEMU, ${sc.mode} DHCP`, () => {
    const addr = `10.${sc.subnet}.0.1`;
    const url = `http://${addr}:${PORT}`;
    let lab: NetnsLab;
    let dir: string;
    let conductor: Subprocess | null = null;
    let site: Subprocess | null = null;
    const conductorLog = () => join(dir, "conductor.log");
    const dnsmasqLog = () => join(dir, "data/boot/dnsmasq.log");
    const siteLog = () => join(dir, "site-dnsmasq.log");

    /** The conductor's API, from inside the namespace (curl; the token from a file, not argv). */
    const api: Api = (method, path, body) => netnsApi(lab.name, url, join(dir, "headers"))(method, path, body);

    // This test's dnsmasqs only (its own conf files): network namespaces share the PID space,
    // so a plain `pgrep dnsmasq` also counts another lab's.
    const dnsmasqPids = () => {
      const r = Bun.spawnSync(["pgrep", "-f", `^/usr/sbin/dnsmasq .*--conf-file=${dir}/`]);
      return r.stdout.toString().split("\n").filter(Boolean).map(Number);
    };

    beforeAll(async () => {
      ensureQemu();
      dir = mkdtempSync(join(tmpdir(), `nb-pxe-${sc.mode}-`));
      lab = createNetnsLab(`${addr}/24`);
      for (const g of GUESTS) lab.addTap(g.tap);
      lab.addVeth("nb-probe", PROBE_MAC(sc.subnet));
      writeFileSync(join(dir, "headers"), `X-Auth-Token: ${TOKEN}\nX-OpenStack-Ironic-API-Version: 1.82\nContent-Type: application/json\n`);
      const range = sc.mode === "full" ? { start: `10.${sc.subnet}.0.100`, end: `10.${sc.subnet}.0.200`, netmask: "255.255.255.0" } : { start: `10.${sc.subnet}.0.0`, netmask: "255.255.255.0" };
      const config = {
        listen: `${addr}:${PORT}`,
        public_url: url,
        data_dir: join(dir, "data"),
        log_level: "debug",
        auth: { token: TOKEN },
        enabled_drivers: ["fake-hardware"],
        fake_hardware: { power_script: writePowerScript(dir), boot: "pxe" },
        boot: { mode: sc.mode, interface: lab.bridge, dhcp_range: range, kernel: KERNEL, initramfs: INITRD, kernel_params: "console=ttyS0" },
      };
      writeFileSync(join(dir, "conductor.json"), JSON.stringify(config, null, 2));
      if (sc.mode === "proxy") {
        // The site's DHCP server: addresses only, no boot information.
        writeFileSync(
          join(dir, "site.conf"),
          [`port=0`, `interface=${lab.bridge}`, `bind-interfaces`, `pid-file=`, `user=root`, `log-dhcp`, `log-facility=${siteLog()}`, `dhcp-leasefile=${join(dir, "site.leases")}`, `dhcp-range=10.${sc.subnet}.0.50,10.${sc.subnet}.0.99,255.255.255.0,1h`, ""].join("\n"),
        );
        site = Bun.spawn(["ip", "netns", "exec", lab.name, DNSMASQ, "--keep-in-foreground", `--conf-file=${join(dir, "site.conf")}`], { stdout: "ignore", stderr: "inherit" });
      }
      conductor = Bun.spawn(["ip", "netns", "exec", lab.name, ...CONDUCTOR, "--config", join(dir, "conductor.json")], {
        cwd: dir,
        stdout: Bun.file(conductorLog()),
        stderr: "inherit",
      });
      await waitFor("the conductor's API", async () => (await api("GET", "/v1/nodes")).status === 200, 60_000);
      await waitFor("the conductor's dnsmasq", async () => readFileSync(conductorLog(), "utf8").includes('"msg":"dnsmasq started"') && dnsmasqPids().length === (site ? 2 : 1), 30_000);
      if (sc.mode === "full") {
        // Supervision: a dnsmasq that dies is started again by the conductor.
        const pid = Number(/"dnsmasq_pid":(\d+)/.exec(readFileSync(conductorLog(), "utf8"))![1]);
        process.kill(pid, "SIGKILL");
        await waitFor("dnsmasq restarted", async () => {
          const log = readFileSync(conductorLog(), "utf8");
          return /"msg":"dnsmasq exited with SIGKILL; restarting in 1\.0 s"/.test(log) && (log.match(/"msg":"dnsmasq started"/g) ?? []).length === 2 && dnsmasqPids().length === 1;
        }, 30_000);
      }
    }, 3 * MINUTES);

    afterAll(async () => {
      try {
        if (conductor && conductor.exitCode === null) {
          conductor.kill("SIGTERM");
          const code = await Promise.race([conductor.exited, Bun.sleep(20_000).then(() => null)]);
          // The conductor stops its dnsmasq on the way out (the site's keeps running).
          if (code !== null) expect(readFileSync(conductorLog(), "utf8")).toContain('"msg":"dnsmasq stopped"');
        }
      } finally {
        await lab?.destroy();
        expect(labNamespaces()).not.toContain(lab.name);
        if (process.env.TEETH_KEEP_NETBOOT_LOGS) console.log(`[netboot] logs kept in ${dir}`);
        else rmSync(dir, { recursive: true, force: true });
      }
    }, 2 * MINUTES);

    /** One DHCP exchange from the probe interface (4 tries 2 s apart: dnsmasq pings a new address for 3 s before offering it): the address leased, or null when nobody answered. */
    async function probeDhcp(): Promise<string | null> {
      const p = Bun.spawn(["ip", "netns", "exec", lab.name, BUSYBOX, "udhcpc", "-i", "nb-probe", "-n", "-q", "-f", "-t", "4", "-T", "2", "-s", "/bin/true"], { stdout: "pipe", stderr: "pipe" });
      const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
      return code === 0 ? (/lease of (\S+) obtained/.exec(out + err)?.[1] ?? "?") : null;
    }

    if (sc.mode === "full") {
      test("only known MACs get an answer: a new port is picked up by dnsmasq by itself, a deleted one after SIGHUP", async () => {
        const mac = PROBE_MAC(sc.subnet);
        expect(await probeDhcp()).toBeNull();
        expect(readFileSync(dnsmasqLog(), "utf8")).toMatch(new RegExp(`DHCPDISCOVER\\(${lab.bridge}\\) ${mac} ignored`));
        const node = await api("POST", "/v1/nodes", { name: "probe", driver: "fake-hardware" });
        const port = await api("POST", "/v1/ports", { address: mac, node_uuid: node.json.uuid });
        expect(port.status).toBe(201);
        // The conductor reconciles its hosts directory every 10 s; dnsmasq reads the new file (inotify).
        await waitFor("dnsmasq to read the new host", async () => readFileSync(dnsmasqLog(), "utf8").includes(`dhcp-hosts/${mac.replaceAll(":", "-")}`), 30_000);
        expect(await probeDhcp()).toMatch(new RegExp(`^10\\.${sc.subnet}\\.0\\.\\d+$`));
        expect((await api("DELETE", `/v1/ports/${port.json.uuid}`)).status).toBe(204);
        await waitFor("the conductor to reload dnsmasq", async () => readFileSync(conductorLog(), "utf8").includes('"msg":"dnsmasq reloaded (SIGHUP)"'), 30_000);
        await Bun.sleep(500);
        expect(await probeDhcp()).toBeNull();
        expect((await api("DELETE", `/v1/nodes/${node.json.uuid}`)).status).toBe(204);
      }, 3 * MINUTES);
    }

    for (const g of GUESTS) {
      test(`${g.firmware === "bios" ? "SeaBIOS" : "OVMF (UEFI)"} guest network-boots the RAM disk; its agent is inspected; then local boot`, async () => {
        const mac = g.mac(sc.subnet);
        const name = `${sc.mode}-${g.firmware}`;
        const created = await api("POST", "/v1/nodes", { name, driver: "fake-hardware", properties: { capabilities: `boot_mode:${g.firmware}` } });
        expect(created.status).toBe(201);
        const uuid = created.json.uuid as string;
        writeGuest(dir, { uuid, mac, tap: g.tap, firmware: g.firmware, memoryMiB: 1024 });
        expect((await api("POST", "/v1/ports", { address: mac, node_uuid: uuid })).status).toBe(201);
        expect((await api("PUT", `/v1/nodes/${uuid}/states/provision`, { target: "manage" })).status).toBe(202);
        await waitFor("manageable", async () => (await api("GET", `/v1/nodes/${uuid}`)).json?.provision_state === "manageable", 60_000);

        expect((await api("PUT", `/v1/nodes/${uuid}/states/provision`, { target: "inspect" })).status).toBe(202);
        const serial = join(dir, `${uuid}.serial.log`);
        let node: any;
        try {
          node = await waitFor(
            "inspection to finish",
            async () => {
              const n = (await api("GET", `/v1/nodes/${uuid}`)).json;
              if (n?.provision_state === "inspect failed") throw new Error(`inspect failed: ${n.last_error}`);
              return n?.provision_state === "manageable" && n.inspection_finished_at ? n : null;
            },
            15 * MINUTES,
          );
        } catch (e) {
          console.log(`[netboot] ${name} serial console (tail):\n${existsSync(serial) ? readFileSync(serial, "utf8").slice(-4000) : "(none)"}`);
          throw e;
        }
        const t0 = powerOnTime(join(dir, `${uuid}.power.log`))!;
        const marks = bootTimeline({ serialLog: serial, powerLog: join(dir, `${uuid}.power.log`), conductorLog: conductorLog(), uuid });
        console.log(formatTimeline(`${sc.mode} DHCP, ${g.firmware}`, marks, [...dnsmasqLines(dnsmasqLog(), mac, t0), ...(site ? dnsmasqLines(siteLog(), mac, t0).map((l) => `site ${l}`) : [])]));

        // The guest booted what the conductor served, by the path its firmware implies.
        const console_ = readFileSync(serial, "utf8");
        // Named checks, so a failure says what is missing instead of printing the whole console.
        const onConsole = (re: RegExp) => expect({ [`serial console matches ${re}`]: re.test(console_) }).toEqual({ [`serial console matches ${re}`]: true });
        onConsole(new RegExp(`${url}/boot/boot\\.ipxe\\.\\.\\. ok`));
        onConsole(new RegExp(`${url}/boot/${mac.replaceAll(":", "-")}\\.ipxe\\.\\.\\. ok`));
        onConsole(new RegExp(`${url}/boot/ramdisk/vmlinuz\\.\\.\\..*ok`));
        onConsole(new RegExp(`${url}/boot/ramdisk/initramfs\\.img\\.\\.\\..*ok`));
        onConsole(new RegExp(`Command line: .*ipa-api-url=${url} BOOTIF=01-${mac.replaceAll(":", "-")} ipa-global-request-id=req-`));
        onConsole(/starting teeth agent/);
        const tftp = readFileSync(dnsmasqLog(), "utf8");
        if (g.firmware === "uefi") {
          onConsole(/NBP file downloaded successfully/);
          expect(tftp).toMatch(/dnsmasq-tftp\[\d+\]: sent \S+\/snponly\.efi to 10\./);
          expect(tftp).toMatch(new RegExp(`tags: (.*, )?efi64`));
        }
        expect(marks.map((m) => m.what)).toEqual(expect.arrayContaining(["agent looked up", "first heartbeat"]));
        // Who gave the address: the conductor's dnsmasq in full mode, the site's in proxy mode.
        if (sc.mode === "full") expect(tftp).toMatch(new RegExp(`DHCPACK\\(${lab.bridge}\\) 10\\.${sc.subnet}\\.0\\.\\d+ ${mac}`));
        else {
          expect(tftp).not.toMatch(new RegExp(`DHCPACK\\(${lab.bridge}\\) \\S+ ${mac}`));
          expect(tftp).toMatch(new RegExp(`PXE\\(${lab.bridge}\\) ${mac} proxy`));
          expect(readFileSync(siteLog(), "utf8")).toMatch(new RegExp(`DHCPACK\\(${lab.bridge}\\) 10\\.${sc.subnet}\\.0\\.\\d+ ${mac}`));
        }

        // The agent's report reached the conductor.
        const inv = await api("GET", `/v1/nodes/${uuid}/inventory`);
        expect(inv.status).toBe(200);
        expect(inv.json.inventory.interfaces.map((i: any) => i.mac_address)).toContain(mac);
        expect(node.properties.memory_mb).toBeGreaterThan(900);

        // Inspection over: the guest is off and its network boot leads to the local disk.
        await waitFor("the guest to be powered off", async () => !existsSync(join(dir, `${uuid}.qemu.pid`)), 60_000);
        expect(readFileSync(join(dir, `${uuid}.power.log`), "utf8")).toMatch(/power off/);
        const after = lab.run(["curl", "-sS", `${url}/boot/${mac.replaceAll(":", "-")}.ipxe`]);
        expect(after).not.toContain("kernel ");
        expect(after).toContain(g.firmware === "bios" ? "sanboot --no-describe --drive 0x80" : "\nexit\n");
      }, 20 * MINUTES);
    }

    test("the traffic had no way out of the namespace", () => {
      // Only the bridge, the taps and the probe's veth pair, whose both ends are inside.
      expect(lab.links().sort()).toEqual(["lo", lab.bridge, ...GUESTS.map((g) => g.tap), "nb-probe", "nb-probe-br"].sort());
      // One on-link route for the bridge ("linkdown" once the guests are off), no default route.
      const routes = lab.routes();
      expect(routes).toHaveLength(1);
      expect(routes[0]!.startsWith(`10.${sc.subnet}.0.0/24 dev ${lab.bridge} proto kernel scope link src ${addr}`)).toBe(true);
      const host = Bun.spawnSync(["ip", "-o", "link", "show"]).stdout.toString();
      expect(host).not.toContain(lab.bridge);
      for (const g of GUESTS) expect(host).not.toContain(`${g.tap}:`);
    });
  });
}
