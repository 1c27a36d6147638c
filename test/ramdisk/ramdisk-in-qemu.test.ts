/**
 * @module test/ramdisk/ramdisk-in-qemu.test
 * The real RAM disk in QEMU (TCG) with an emulated NVMe drive: it boots, the agent looks up
 * and heartbeats to a stand-in conductor, reports the drive, erases it with an NVMe format,
 * streams a qcow2 image from the host onto a virtio disk (the connection cut once on the
 * way: resumed with Range), and powers the VM off for real; afterwards the NVMe drive's
 * backing file holds no trace of the pattern written before boot and the virtio disk holds
 * the image, byte for byte.
 *
 * Skipped, saying why, only when the RAM disk cannot be built (not root, no dist/teeth...).
 * `TEETH_UPDATE_FIXTURES=1` rewrites test/fixtures/nvme/id-ctrl-qemu.json from the guest.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createHash } from "node:crypto";
import { qcow2, randomImage } from "../../machine/image/testing/fixtures.ts";
import { startImageServer, type ImageServer } from "../../machine/image/testing/image-server.ts";
import { parseNvmeIdCtrl, type NvmeController } from "../../hardware-managers/generic/device/nvme-id-ctrl.ts";
import { freePort } from "../support/agent-process.ts";
import { startStandInConductor, type StandInConductor } from "../support/stand-in-conductor.ts";
import { buildRamdisk, ensureQemu, INITRD, KERNEL, REPO } from "./ensure-ramdisk.ts";
import { startVm, type Vm } from "./qemu-vm.ts";

const DISK_MIB = 64;
const SERIAL = "TEETHNVME01";
const BOOT_MAC = "52:54:00:7e:e7:01";
const OTHER_MAC = "52:54:00:7e:e7:02";
const PATTERN = "TEETH-NVME-PATTERN-";
const FIXTURE = resolve(REPO, "test/fixtures/nvme/id-ctrl-qemu.json");
const CONSOLE_LOG = resolve(REPO, "build/ramdisk/test-logs/ramdisk-in-qemu-console.log");
const MINUTES = 60_000;
/** The deploy target: at least 4 GiB, so the agent picks it as IPA would (a sparse file). */
const DEPLOY_DISK_BYTES = 4096 * 1024 * 1024 + 64 * 1024 * 1024;
/** 12 MiB of random data with two zero runs, as a qcow2 (allocated clusters only). */
const DEPLOY_RAW = randomImage(12 * 1024 * 1024, [[2 << 20, 3 << 20], [8 << 20, 1 << 20]]);
const DEPLOY_QCOW2 = qcow2(DEPLOY_RAW);
const DROP_AT = 5 << 20;

const built = await buildRamdisk();
if (!built.ok) console.warn(`SKIPPED test/ramdisk/ramdisk-in-qemu.test.ts: the RAM disk could not be built.\n${built.reason}`);
else console.log(`[ramdisk] built or up to date in ${built.seconds.toFixed(1)} s\n${built.output}`);

/** A disk image whose every 512-byte sector starts with PATTERN and its number. */
function writePatternDisk(path: string): void {
  const sector = Buffer.alloc(512);
  const disk = Buffer.alloc(DISK_MIB * 1024 * 1024);
  for (let i = 0; i < disk.length / 512; i++) {
    sector.fill(`${PATTERN}${String(i).padStart(8, "0")}-`);
    sector.copy(disk, i * 512);
  }
  writeFileSync(path, disk);
}

/** Scans a file: where PATTERN first occurs (-1: nowhere) and how many bytes are not zero. */
function scanDisk(path: string): { patternAt: number; nonZeroBytes: number } {
  const fd = openSync(path, "r");
  const chunk = Buffer.alloc(4 * 1024 * 1024);
  let patternAt = -1;
  let nonZeroBytes = 0;
  let offset = 0;
  try {
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, offset);
      if (n === 0) break;
      const view = chunk.subarray(0, n);
      const at = view.indexOf(PATTERN);
      if (at >= 0 && patternAt < 0) patternAt = offset + at;
      for (let i = 0; i < n; i++) if (view[i] !== 0) nonZeroBytes++;
      offset += n;
    }
  } finally {
    closeSync(fd);
  }
  return { patternAt, nonZeroBytes };
}

describe.skipIf(!built.ok)("RAM disk in QEMU with an emulated NVMe drive and a virtio disk", () => {
  let dir: string;
  let diskPath: string;
  let deployPath: string;
  let images: ImageServer;
  let conductor: StandInConductor;
  let vm: Vm;
  let agentBase: string;
  let idCtrlText: string;
  let ctrl: NvmeController;

  async function command(name: string, params: Record<string, unknown> = {}): Promise<any> {
    const token = conductor.token;
    const res = await fetch(`${agentBase}/v1/commands/?agent_token=${token}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name, params }),
    });
    const body: any = await res.json();
    if (res.status !== 200 && res.status !== 202) throw new Error(`${name}: HTTP ${res.status} ${JSON.stringify(body)}`);
    let result = body;
    while (result.command_status === "RUNNING") {
      const r = await fetch(`${agentBase}/v1/commands/${body.id}?wait=true&agent_token=${token}`);
      result = await r.json();
      if (result.command_status === "RUNNING") await Bun.sleep(500);
    }
    return result;
  }

  beforeAll(async () => {
    ensureQemu();
    dir = mkdtempSync(join(tmpdir(), "teeth-ramdisk-"));
    diskPath = join(dir, "nvme.img");
    writePatternDisk(diskPath);
    expect(scanDisk(diskPath).patternAt).toBe(0);
    deployPath = join(dir, "deploy.img");
    writeFileSync(deployPath, "");
    truncateSync(deployPath, DEPLOY_DISK_BYTES);
    // The host's loopback is 10.0.2.2 to the guest; the connection is cut once at 5 MiB.
    images = await startImageServer();
    images.put("/deploy.qcow2", DEPLOY_QCOW2, { dropAt: [DROP_AT] });
    conductor = startStandInConductor({ heartbeatTimeout: 10 });
    const agentPort = await freePort();
    agentBase = `http://127.0.0.1:${agentPort}`;
    // QEMU's user networking shows the host's loopback to the guest as 10.0.2.2.
    const conductorPort = new URL(conductor.url).port;
    vm = startVm({
      kernel: KERNEL,
      initrd: INITRD,
      append: [
        "console=ttyS0",
        "panic=-1",
        `ipa-api-url=http://10.0.2.2:${conductorPort}`,
        "teeth-auto-tls=0",
        "teeth-simulate-power=0", // power_off really powers the VM off: QEMU exits
        "ipa-debug=1",
        "teeth-ramdisk-dump-nvme=1",
        `BOOTIF=01-${BOOT_MAC.replaceAll(":", "-")}`, // DHCP on this NIC only, not on the e1000
      ].join(" "),
      agentPort,
      bootMac: BOOT_MAC,
      extra: [
        "-drive", `file=${diskPath},if=none,id=nvm,format=raw`,
        "-device", `nvme,serial=${SERIAL},drive=nvm`,
        "-drive", `file=${deployPath},if=virtio,format=raw`,
        // A second NIC, with a link, that /init must leave alone because of BOOTIF.
        "-netdev", "user,id=n1",
        "-device", `e1000,netdev=n1,mac=${OTHER_MAC}`,
      ],
      consoleLog: CONSOLE_LOG,
    });
    console.log(`[ramdisk] QEMU started; console in ${CONSOLE_LOG}`);
  }, 2 * MINUTES);

  afterAll(async () => {
    await vm?.kill();
    conductor?.stop();
    await images?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("boots, and the agent looks up and heartbeats", async () => {
    await vm.waitForConsole(/teeth-ramdisk \[[\d.]+\]: init started/, 5 * MINUTES);
    const initS = (performance.now() - vm.startedAt) / 1000;
    await vm.waitForConsole(/teeth-ramdisk \[[\d.]+\]: starting teeth agent/, 3 * MINUTES);
    const agentS = (performance.now() - vm.startedAt) / 1000;
    try {
      await conductor.waitForHeartbeats(1, 5 * MINUTES);
    } catch (error) {
      throw new Error(`${(error as Error).message}; console tail:\n${vm.console().slice(-3000)}`);
    }
    const heartbeatS = (conductor.heartbeats[0]!.at - vm.startedAt) / 1000;
    console.log(`[figure] TCG boot: /init at ${initS.toFixed(1)} s, agent started at ${agentS.toFixed(1)} s, first heartbeat at ${heartbeatS.toFixed(1)} s`);
    expect(conductor.lookups.length).toBeGreaterThanOrEqual(1);
    expect(conductor.heartbeats[0]!.body.agent_token).toBe(conductor.token);
  }, 10 * MINUTES);

  test("the console dump of nvme id-ctrl is the QEMU controller's, saved as a fixture", async () => {
    const m = await vm.waitForConsole(
      /===== teeth-ramdisk nvme id-ctrl \/dev\/nvme0 begin =====\n([\s\S]*?)\n===== teeth-ramdisk nvme id-ctrl \/dev\/nvme0 end =====/,
      10_000,
    );
    idCtrlText = `${m[1]!.trim()}\n`;
    const parsed = parseNvmeIdCtrl(idCtrlText);
    expect(parsed).not.toBeNull();
    ctrl = parsed!;
    expect(ctrl.serial).toBe(SERIAL);
    expect(ctrl.formatSupported).toBe(true);
    if (!existsSync(FIXTURE) || process.env.TEETH_UPDATE_FIXTURES === "1") {
      writeFileSync(FIXTURE, idCtrlText);
      console.log(`[ramdisk] wrote ${FIXTURE}`);
    } else {
      const saved = parseNvmeIdCtrl(readFileSync(FIXTURE, "utf8"));
      expect(saved).toMatchObject({ serial: SERIAL, formatSupported: ctrl.formatSupported, cryptoEraseSupported: ctrl.cryptoEraseSupported });
    }
  }, MINUTES);

  test("poll.get_hardware_info lists the NVMe drive with its serial", async () => {
    const r = await command("poll.get_hardware_info");
    expect(r.command_status).toBe("SUCCEEDED");
    const inv = r.command_result;
    const disk = inv.disks.find((d: any) => d.name === "/dev/nvme0n1");
    expect(disk).toBeDefined();
    expect(disk).toMatchObject({ serial: SERIAL, size: DISK_MIB * 1024 * 1024 });
    // What /init set up: DHCP on the BOOTIF NIC only, the e1000 driver, tools reading DMI and CPUs.
    const nic = (mac: string) => inv.interfaces.find((i: any) => i.mac_address === mac);
    expect(nic(BOOT_MAC)).toMatchObject({ ipv4_address: "10.0.2.15", has_carrier: true });
    expect(nic(OTHER_MAC)).toMatchObject({ ipv4_address: null, driver: "e1000" });
    expect(inv.system_vendor.manufacturer).toBe("QEMU");
    expect(inv.cpu.count).toBe(2);
    console.log(`[ramdisk] inventory: ${inv.cpu.model_name}, ${inv.cpu.count} CPUs, ${Math.round(inv.memory.total / 1048576)} MiB, ${inv.system_vendor.product_name}, disks ${inv.disks.map((d: any) => `${d.name} ${d.model}`).join(", ")}`);
  }, 2 * MINUTES);

  test("hardware.secure_erase erases it with an NVMe format", async () => {
    const start = performance.now();
    const r = await command("hardware.secure_erase", { devices: ["/dev/nvme0n1"] });
    const seconds = (performance.now() - start) / 1000;
    if (r.command_status !== "SUCCEEDED") throw new Error(`secure_erase ${r.command_status}: ${JSON.stringify(r.command_error)}`);
    const report = r.command_result.result;
    const expected = ctrl.cryptoEraseSupported ? "nvme_crypto_format" : "nvme_user_data_format";
    expect(report.summary).toMatchObject({ erased: 1, failed: 0, refused: 0 });
    expect(report.devices[0]).toMatchObject({ device: "/dev/nvme0n1", outcome: "erased", method: expected });
    console.log(`[figure] secure_erase of the ${DISK_MIB} MiB QEMU NVMe drive: ${expected}, agent ${report.devices[0].duration_s} s, command round trip ${seconds.toFixed(2)} s`);
  }, 5 * MINUTES);

  test("standby.prepare_image streams a qcow2 image onto the virtio disk, resuming a cut connection", async () => {
    const start = performance.now();
    const sha256 = createHash("sha256").update(DEPLOY_QCOW2).digest("hex");
    const r = await command("standby.prepare_image", {
      image_info: { id: "deploy.qcow2", urls: [`http://10.0.2.2:${images.port}/deploy.qcow2`], disk_format: "qcow2", os_hash_algo: "sha256", os_hash_value: sha256 },
    });
    const seconds = (performance.now() - start) / 1000;
    if (r.command_status !== "SUCCEEDED") throw new Error(`prepare_image ${r.command_status}: ${JSON.stringify(r.command_error)}`);
    const result = r.command_result;
    expect(result).toMatchObject({ device: "/dev/vda", format: "qcow2", qcow2_metadata: "range", resumes: 1, image_size: DEPLOY_RAW.length });
    expect(result.result).toStartWith("prepare_image: image (deploy.qcow2) written to device /dev/vda");
    // The resume asked for the rest from where the cut left it.
    expect(images.requests("/deploy.qcow2").some((q) => q.range === `bytes=${DROP_AT}-`)).toBe(true);
    console.log(`[figure] prepare_image in the TCG RAM disk: ${DEPLOY_QCOW2.length} B qcow2 -> ${DEPLOY_RAW.length} B on /dev/vda, agent ${result.duration_s} s, round trip ${seconds.toFixed(2)} s, ${result.bytes_zeroed} B zeroed`);
  }, 5 * MINUTES);

  test("standby.power_off powers the VM off, and the drive holds no trace of the pattern", async () => {
    // Asynchronous: accepted, then the VM goes away (so no polling for its result).
    const res = await fetch(`${agentBase}/v1/commands/?agent_token=${conductor.token}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: "standby.power_off", params: {} }),
    });
    expect(res.status === 200 || res.status === 202).toBe(true);
    expect(((await res.json()) as any).command_name).toBe("power_off");
    const code = await vm.waitForExit(2 * MINUTES);
    expect(code).toBe(0);
    const { patternAt, nonZeroBytes } = scanDisk(diskPath);
    console.log(`[ramdisk] after the erase: pattern at ${patternAt}, ${nonZeroBytes} non-zero bytes of ${DISK_MIB} MiB`);
    expect(patternAt).toBe(-1);
    expect(nonZeroBytes).toBe(0);
    // The image is on the virtio disk, byte for byte, with nothing after it.
    const fd = openSync(deployPath, "r");
    try {
      const head = Buffer.alloc(DEPLOY_RAW.length + 1024 * 1024);
      readSync(fd, head, 0, head.length, 0);
      expect(head.subarray(0, DEPLOY_RAW.length).equals(DEPLOY_RAW)).toBe(true);
      expect(head.subarray(DEPLOY_RAW.length).every((b) => b === 0)).toBe(true);
    } finally {
      closeSync(fd);
    }
  }, 3 * MINUTES);
});
