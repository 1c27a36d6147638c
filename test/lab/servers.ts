/**
 * @module test/lab/servers
 * The servers of the virtual rack: for each, a directory with its disks (a virtio disk and an
 * emulated NVMe drive, sparse files), its OVMF variables (UEFI servers), `server.env` for
 * `qemu-server.sh`, and its BMC: an `ipmi_sim` inside the lab's namespace on its own address
 * and port, whose chassis hooks start, stop and reset the QEMU guest and record the boot
 * device, and whose system interface the guest reaches in-band (an emulated KCS).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startIpmiSim } from "../support/ipmi-sim.ts";

const QEMU_SERVER = resolve(import.meta.dir, "qemu-server.sh");

export interface ServerPlan {
  name: string;
  index: number;
  firmware: "bios" | "uefi";
  mac: string;
  tap: string;
  memoryMiB: number;
  dir: string;
  disk: string;
  diskBytes: number;
  nvme: string;
  nvmeBytes: number;
  nvmeSerial: string;
  bmc: { address: string; port: number; user: string; passwordFile: string; serialPort: number; mac: string };
}

/** What a running server is: its plan plus its BMC's process and the files to read. */
export interface ServerState extends ServerPlan {
  bmcPid: number;
  serialLog: string;
  powerLog: string;
  qemuPidFile: string;
}

const GiB = 2 ** 30;

/**
 * Server `index` (1-based) of a lab on `10.<subnet>.0.0/24`: odd ones boot SeaBIOS, even ones OVMF.
 * @example
 * planServer({ labDir: "build/lab/lab-rack", subnet: 81, index: 2, prefix: "lab-" }); // server-2, uefi, 52:54:00:81:00:02
 */
export function planServer(o: { labDir: string; subnet: number; index: number; prefix: string; memoryMiB?: number; diskGiB?: number; nvmeGiB?: number }): ServerPlan {
  const name = `server-${o.index}`;
  const dir = join(o.labDir, name);
  const hex = o.index.toString(16).padStart(2, "0");
  return {
    name,
    index: o.index,
    firmware: o.index % 2 === 1 ? "bios" : "uefi",
    mac: `52:54:00:${o.subnet.toString(16).padStart(2, "0")}:00:${hex}`,
    tap: `${o.prefix}tap${o.index}`,
    memoryMiB: o.memoryMiB ?? 1536,
    dir,
    disk: join(dir, "disk.img"),
    diskBytes: (o.diskGiB ?? 6) * GiB,
    nvme: join(dir, "nvme.img"),
    nvmeBytes: (o.nvmeGiB ?? 1) * GiB,
    nvmeSerial: `TEETHNVME${hex}`,
    bmc: { address: `10.${o.subnet}.0.${10 + o.index}`, port: 6230 + o.index, user: "admin", passwordFile: join(dir, "bmc-password"), serialPort: 9100 + o.index, mac: `52:54:00:${o.subnet.toString(16).padStart(2, "0")}:01:${hex}` },
  };
}

/** Creates the server's files and starts its BMC inside `netns` (the guest stays off until powered on). */
export async function startServer(plan: ServerPlan, netns: string): Promise<ServerState> {
  mkdirSync(plan.dir, { recursive: true });
  // Sparse: the disks cost what is written to them.
  for (const [file, bytes] of [[plan.disk, plan.diskBytes], [plan.nvme, plan.nvmeBytes]] as const) {
    writeFileSync(file, "");
    Bun.spawnSync(["truncate", "-s", String(bytes), file]);
  }
  // An IPMI password is at most 20 bytes; this one lives in a 0600 file only.
  const password = randomBytes(9).toString("hex");
  writeFileSync(plan.bmc.passwordFile, password, { mode: 0o600 });
  writeFileSync(
    join(plan.dir, "server.env"),
    [`NAME=${plan.name}`, `MAC=${plan.mac}`, `TAP=${plan.tap}`, `FIRMWARE=${plan.firmware}`, `MEM=${plan.memoryMiB}`, `DISK=${plan.disk}`, `NVME=${plan.nvme}`, `NVME_SERIAL=${plan.nvmeSerial}`, `IPMI_SERIAL_PORT=${plan.bmc.serialPort}`, ""].join("\n"),
  );
  const hook = (op: string) => `exec ${QEMU_SERVER} ${plan.dir} ${op}`;
  const sim = await startIpmiSim({
    password,
    user: plan.bmc.user,
    port: plan.bmc.port,
    address: plan.bmc.address,
    serialPort: plan.bmc.serialPort,
    netns,
    dir: join(plan.dir, "bmc"),
    detached: true,
    hooks: { powerOn: hook("start"), powerOff: hook("stop"), reset: hook("reset"), boot: `exec ${QEMU_SERVER} ${plan.dir} boot "$1"`, powerState: hook("status") },
  });
  // ipmi_sim reports 0.0.0.0 until told its address, like a BMC fresh from the factory: set it
  // as a technician would, so the guest's in-band `ipmitool lan print` reads the real one.
  for (const args of [["ipaddr", plan.bmc.address], ["netmask", "255.255.255.0"], ["macaddr", plan.bmc.mac]]) {
    const r = Bun.spawnSync(["ip", "netns", "exec", netns, "ipmitool", "-I", "lanplus", "-C", "3", "-H", plan.bmc.address, "-p", String(plan.bmc.port), "-U", plan.bmc.user, "-E", "lan", "set", "1", ...args], {
      env: { ...process.env, IPMI_PASSWORD: password },
      stdout: "pipe",
      stderr: "pipe",
    });
    if (r.exitCode !== 0) throw new Error(`${plan.name}'s BMC refused lan set ${args.join(" ")}: ${r.stderr.toString().trim()}`);
  }
  return { ...plan, bmcPid: sim.pid, serialLog: join(plan.dir, "serial.log"), powerLog: join(plan.dir, "power.log"), qemuPidFile: join(plan.dir, "qemu.pid") };
}
