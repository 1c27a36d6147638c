/**
 * @module test/lab/lab-discovery.test
 * Discovery in the virtual rack: one QEMU server (SeaBIOS) whose MAC the conductor does not
 * know, behind its ipmi_sim BMC, in the namespace `lab-disc`, with `discovery.enabled` and
 * `boot.unknown_mac` left at `auto`. A technician powers it on through its BMC; dnsmasq
 * answers the unknown MAC, the RAM disk boots, the agent's lookup finds no node, it posts its
 * inventory, and the conductor creates a node in `enroll`: its port is the QEMU NIC's MAC,
 * its properties are the CPUs, memory and disks QEMU was started with (read from the running
 * QEMU's command line and the disk files), its `ipmi_address` the BMC address the agent read
 * in-band. `teeth node list --discovered` shows it. The operator then adds the credentials
 * and the usual flow follows through its BMC (`manage`, a power read, `inspect`: a fresh agent
 * booted as a known MAC looks up as the node; a power off that stops QEMU). Timings are printed, never asserted. Skipped, saying why, when the machine cannot
 * run the lab.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildRamdisk } from "../ramdisk/ensure-ramdisk.ts";
import { labApi, provision, waitFor, type Api } from "./lab-api.ts";
import { REPO, startLab, stopLab, type LabState } from "./lab.ts";
import { labNamespaces } from "./netns.ts";
import { preflight } from "./preflight.ts";
import type { ServerState } from "./servers.ts";

const MINUTES = 60_000;
const NAME = "lab-disc";

const isRoot = process.getuid?.() === 0;
const built = isRoot ? await buildRamdisk() : ({ ok: false, reason: "not root (network namespaces, taps)" } as const);
const problems = built.ok
  ? preflight({ labDir: join(REPO, "build"), needBytes: 8 * 2 ** 30, binary: join(REPO, "dist/teeth"), kernel: join(REPO, "build/ramdisk/vmlinuz"), initramfs: join(REPO, "build/ramdisk/initramfs.img") })
  : [built.reason];
const skip = problems.length ? problems.join("; ") : null;
if (skip) console.warn(`SKIPPED test/lab/lab-discovery.test.ts: ${skip}`);

/** ipmitool against the server's BMC from inside the namespace, the password through the environment. */
function bmc(lab: LabState, s: ServerState, args: string[]): string {
  const r = Bun.spawnSync(["ip", "netns", "exec", lab.netns, "ipmitool", "-I", "lanplus", "-C", "3", "-H", s.bmc.address, "-p", String(s.bmc.port), "-U", s.bmc.user, "-E", ...args], {
    env: { ...process.env, IPMI_PASSWORD: readFileSync(s.bmc.passwordFile, "utf8") },
    stdout: "pipe",
    stderr: "pipe",
  });
  if (r.exitCode !== 0) throw new Error(`ipmitool ${args.join(" ")}: ${r.stderr.toString().trim()}`);
  return r.stdout.toString();
}

/** What QEMU was actually started with: `-smp N` and `-m MiB` from the running process's command line. */
function qemuGiven(s: ServerState): { cpus: number; memoryMiB: number } {
  const pid = readFileSync(s.qemuPidFile, "utf8").trim();
  const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  const after = (flag: string) => argv[argv.indexOf(flag) + 1]!;
  return { cpus: Number(after("-smp").split(",")[0]), memoryMiB: Number(after("-m")) };
}

const qemuRunning = (s: ServerState) => existsSync(s.qemuPidFile) && existsSync(`/proc/${readFileSync(s.qemuPidFile, "utf8").trim()}`);

describe.skipIf(skip !== null)("discovery in the virtual rack: a server nobody enrolled", () => {
  let lab: LabState;
  let api: Api;
  let server: ServerState;
  let uuid = "";
  let given: { cpus: number; memoryMiB: number };

  beforeAll(async () => {
    lab = await startLab({ name: NAME, subnet: 83, servers: 1, conductorConfig: { discovery: { enabled: true, driver: "ipmi" } } });
    api = labApi(lab);
    server = lab.servers[0]!;
  }, 3 * MINUTES);

  afterAll(async () => {
    if (process.env.TEETH_KEEP_LAB) console.log(`[lab] kept: ${lab?.dir} (remove with: bun test/lab/lab-cli.ts down --name ${NAME})`);
    else await stopLab(lab?.dir ?? join(REPO, "build/lab", NAME), NAME);
    if (!process.env.TEETH_KEEP_LAB) expect(labNamespaces("lab-").includes(NAME)).toBe(false);
  }, 3 * MINUTES);

  test("powered on at its BMC, it PXE-boots the RAM disk and enrolls itself: its port, properties and BMC address are what QEMU was given", async () => {
    expect((await api("GET", "/v1/nodes")).json.nodes).toEqual([]);
    // discovery on, unknown_mac auto: the conductor's dnsmasq answers MACs it does not know.
    const conf = readFileSync(join(lab.conductor.dataDir, "boot/dnsmasq.conf"), "utf8");
    expect(conf).not.toContain("dhcp-ignore=tag:!known");
    // The technician's part: network boot, power on, at the server's BMC.
    bmc(lab, server, ["chassis", "bootdev", "pxe"]);
    bmc(lab, server, ["chassis", "power", "on"]);
    const poweredOn = Date.now();
    given = qemuGiven(server);

    const node = await waitFor(
      "the server to enroll itself",
      async () => ((await api("GET", "/v1/nodes?detail=true")).json?.nodes ?? []).find((n: any) => n.extra?.discovered === true),
      15 * MINUTES,
    );
    uuid = node.uuid;
    console.log(`[lab discovery] power-on to a discovered node: ${((Date.now() - poweredOn) / 1000).toFixed(1)} s`);
    expect(node).toMatchObject({ provision_state: "enroll", driver: "ipmi", extra: { discovered: true, auto_discovered: true } });
    expect(node.driver_info).toEqual({ ipmi_address: server.bmc.address });
    expect(node.properties).toEqual({
      cpus: given.cpus,
      memory_mb: given.memoryMiB,
      // The smallest disk of at least 4 GiB (the virtio disk; the NVMe drive is 1 GiB), less 1 GiB.
      local_gb: server.diskBytes / 2 ** 30 - 1,
      cpu_arch: "x86_64",
      capabilities: `boot_mode:${server.firmware}`,
    });
    const ports = (await api("GET", `/v1/ports?node_uuid=${uuid}&detail=true`)).json.ports;
    expect(ports.map((p: any) => [p.address, p.pxe_enabled])).toEqual([[server.mac, true]]);
    const inv = (await api("GET", `/v1/nodes/${uuid}/inventory`)).json;
    expect(inv.plugin_data).toMatchObject({ auto_discovered: true });
    expect(inv.inventory.bmc_address).toBe(server.bmc.address);
    expect(inv.inventory.disks.find((d: any) => d.name === "/dev/vda")).toMatchObject({ size: server.diskBytes });
    expect(inv.inventory.disks.find((d: any) => d.name === "/dev/nvme0n1")).toMatchObject({ size: server.nvmeBytes, serial: server.nvmeSerial });
    // It came through the conductor's dnsmasq and boot script as an unknown MAC, not some other way.
    expect(readFileSync(server.serialLog, "utf8")).toContain("starting teeth agent");
    expect(readFileSync(lab.conductor.log, "utf8")).toMatch(/"event":"discovery".*"outcome":"created"/);
  }, 20 * MINUTES);

  test("teeth node list --discovered shows it; a plain list shows it as discovered", async () => {
    expect(uuid).not.toBe("");
    const cli = (args: string[]) => {
      const r = Bun.spawnSync(["ip", "netns", "exec", lab.netns, lab.binary, "node", ...args, "--url", lab.conductor.url, "--token-file", lab.conductor.tokenFile], { stdout: "pipe", stderr: "pipe" });
      expect(r.exitCode).toBe(0);
      return r.stdout.toString();
    };
    // An operator-enrolled node beside it, which --discovered must leave out.
    const other = await api("POST", "/v1/nodes", { name: "enrolled-by-hand", driver: "ipmi" });
    expect(other.status).toBe(201);
    const discovered = cli(["list", "--discovered"]);
    expect(discovered).toContain(uuid);
    expect(discovered).not.toContain(other.json.uuid);
    const row = (text: string, id: string) => text.split("\n").find((l) => l.includes(id)) ?? "";
    expect(row(discovered, uuid)).toMatch(/enroll.*yes/);
    const all = cli(["list"]);
    expect(row(all, uuid)).toMatch(/enroll.*yes/);
    expect(row(all, other.json.uuid)).not.toMatch(/yes/);
    expect((await api("DELETE", `/v1/nodes/${other.json.uuid}`)).status).toBe(204);
  });

  test("with the credentials added, the usual flow follows through its BMC: manage, inspect (a fresh agent looks up as the node), power off stops QEMU", async () => {
    expect(uuid).not.toBe("");
    const password = readFileSync(server.bmc.passwordFile, "utf8");
    const patch = await api("PATCH", `/v1/nodes/${uuid}`, [
      { op: "add", path: "/driver_info/ipmi_port", value: server.bmc.port },
      { op: "add", path: "/driver_info/ipmi_username", value: server.bmc.user },
      { op: "add", path: "/driver_info/ipmi_password", value: password },
    ]);
    expect(patch.status).toBe(200);
    expect(patch.text).not.toContain(password);
    const managed = await provision(api, uuid, "manage", ["manageable"], 3 * MINUTES);
    expect(managed.driver_info.ipmi_address).toBe(server.bmc.address);
    // Read through the BMC: QEMU is running the agent.
    expect(managed.power_state).toBe("power on");
    // Inspection power-cycles it into the RAM disk again, now as a known MAC: its agent looks
    // up as this node (no second node is discovered) and reports the same hardware.
    const before = readFileSync(server.powerLog, "utf8").length;
    const inspected = await provision(api, uuid, "inspect", ["manageable"], 15 * MINUTES);
    expect(inspected.properties).toMatchObject({ cpus: given.cpus, memory_mb: given.memoryMiB, local_gb: server.diskBytes / 2 ** 30 - 1 });
    expect(readFileSync(server.powerLog, "utf8").slice(before)).toMatch(/boot pxe\n[\s\S]* start /);
    expect((await api("GET", "/v1/nodes")).json.nodes.map((n: any) => n.uuid)).toEqual([uuid]);
    expect((await api("PUT", `/v1/nodes/${uuid}/states/power`, { target: "power off" })).status).toBe(202);
    await waitFor("the node to read power off", async () => (await api("GET", `/v1/nodes/${uuid}`)).json.power_state === "power off", 2 * MINUTES);
    expect(qemuRunning(server)).toBe(false);
    expect(readFileSync(server.powerLog, "utf8")).toMatch(/ stop \n/);
  }, 10 * MINUTES);
});
