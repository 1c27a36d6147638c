/**
 * @module test/support/ipmi-sim
 * A real BMC for tests: OpenIPMI's `ipmi_sim` on 127.0.0.1 (a free UDP port), one admin user,
 * IPMI 2.0 (lanplus, cipher suite 3; it refuses 17), and a chassis (`ipmi-sim-chassis.sh`)
 * that keeps power and boot device in files and logs every call. `freeze()` stops the
 * process (SIGSTOP): a BMC that never answers. Hooks let a lab put a real machine (QEMU)
 * behind the chassis. Everything lives in one temp dir, removed by `stop()`.
 *
 * For a lab (`test/lab/`): `netns` runs the sim inside a network namespace on `address`,
 * `serialPort` adds the system-interface channel a QEMU guest's `ipmi-bmc-extern` connects to
 * (in-band IPMI: the guest's `ipmitool lan print`), `dir` keeps everything in a given directory
 * and `detached` lets the sim outlive this process (output to `dir/ipmi_sim.log`).
 */
import { spawn, type Subprocess } from "bun";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import dgram from "node:dgram";

const CHASSIS_SCRIPT = resolve(import.meta.dir, "ipmi-sim-chassis.sh");

export interface IpmiSimOptions {
  /** The admin user's password (IPMI allows at most 20 bytes). */
  password: string;
  /** Default "admin". */
  user?: string;
  /** UDP port; default a free one. */
  port?: number;
  /** Power at start; default off. */
  power?: "on" | "off";
  /** Seconds the "OS" takes to power off after a soft-off request (default 0.3). */
  softOffDelayS?: number;
  /** An OS that ignores the soft-off (ACPI) request: `chassis power soft` never powers off. */
  ignoreSoftOff?: boolean;
  /**
   * Shell commands run by the chassis before it records the change (a lab's QEMU start/stop):
   * `powerOn`, `powerOff`, `reset`, `boot` (gets the device: none|pxe|default|cdrom|bios as $1).
   * A failing hook makes the BMC answer the IPMI command with an error. `powerState` (prints
   * 1 or 0) answers power reads, for a machine that may power itself off.
   */
  hooks?: { powerOn?: string; powerOff?: string; reset?: string; boot?: string; powerState?: string };
  /** Run inside this network namespace (`ip netns exec`); readiness is then checked with ipmitool inside it. */
  netns?: string;
  /** The LAN channel's address (default 127.0.0.1); inside a namespace e.g. an address on its bridge. */
  address?: string;
  /** TCP port on 127.0.0.1 of the system interface (`serial 15 ... codec VM`) for QEMU's `ipmi-bmc-extern`. */
  serialPort?: number;
  /** Use (and on `stop()` remove) this directory instead of a new temp dir. */
  dir?: string;
  /** The sim survives this process: output to `<dir>/ipmi_sim.log`, not piped; stop it by `pid`. */
  detached?: boolean;
}

export interface IpmiSim {
  readonly address: string;
  readonly port: number;
  /** ipmi_sim's process id (inside a namespace too: `ip netns exec` execs it). */
  readonly pid: number;
  readonly user: string;
  readonly password: string;
  /** The sim's temp dir (config, state files, chassis log). */
  readonly dir: string;
  /** `driver_info` for an `ipmi` node driving this BMC. */
  driverInfo(extra?: Record<string, unknown>): Record<string, unknown>;
  /** The chassis' power, read from its state file. */
  power(): "on" | "off";
  /** The chassis' boot device as ipmi_sim names it: none|pxe|default (disk)|cdrom|bios. */
  bootDevice(): string;
  /** Changes power out of band (someone pressed the button), without a chassis-log entry. */
  setPower(on: boolean): void;
  /** The chassis log: one line per call ("<iso time> set power 1"), oldest first. */
  log(): string[];
  /** The chassis log without times ("set power 1", "os powered off after soft-off request"), from line `since` on. */
  actions(since?: number): string[];
  /** ipmi_sim's own stdout/stderr. */
  output(): string;
  /** SIGSTOP: the BMC stops answering (packets queue unanswered). */
  freeze(): void;
  /** SIGCONT after `freeze()`. */
  thaw(): void;
  stop(): Promise<void>;
}

/** A UDP port nothing is bound to at the moment of asking. */
export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((ok) => s.bind(0, "127.0.0.1", () => ok()));
  const port = s.address().port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

/** Resolves true when something answers an RMCP presence ping on host:port within `ms`. */
async function answersPing(port: number, ms: number): Promise<boolean> {
  const s = dgram.createSocket("udp4");
  return new Promise((ok) => {
    const done = (v: boolean) => {
      clearTimeout(timer);
      s.close();
      ok(v);
    };
    const timer = setTimeout(() => done(false), ms);
    s.on("error", () => done(false));
    s.on("message", () => done(true));
    s.connect(port, "127.0.0.1", () => s.send(Buffer.from("0600ff06000011be80000000", "hex")));
  });
}

/** Inside a namespace: an authenticated `mc info` answers (the password through the environment). */
async function answersIpmitool(netns: string, address: string, port: number, user: string, password: string): Promise<boolean> {
  const p = Bun.spawn(["ip", "netns", "exec", netns, "ipmitool", "-I", "lanplus", "-C", "3", "-H", address, "-p", String(port), "-U", user, "-E", "-N", "1", "-R", "1", "mc", "info"], {
    env: { ...process.env, IPMI_PASSWORD: password },
    stdout: "ignore",
    stderr: "ignore",
  });
  return (await p.exited) === 0;
}

function q(s: string): string {
  return `"${s.replace(/["\\]/g, "\\$&")}"`;
}

/**
 * Starts an ipmi_sim BMC and waits until it answers.
 * @example
 * const bmc = await startIpmiSim({ password: "s3cret" });
 * // ipmitool -I lanplus -H 127.0.0.1 -p ${bmc.port} -U admin -C 3 -E chassis power on
 * bmc.power(); // "on"
 * await bmc.stop();
 */
export async function startIpmiSim(options: IpmiSimOptions): Promise<IpmiSim> {
  const user = options.user ?? "admin";
  const port = options.port ?? (await freeUdpPort());
  const address = options.address ?? "127.0.0.1";
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "teeth-ipmi-sim-"));
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o700);
  const state = join(dir, "chassis");
  mkdirSync(join(state, "hooks"), { recursive: true });
  mkdirSync(join(dir, "sim-state"));
  writeFileSync(join(state, "power"), options.power === "on" ? "1\n" : "0\n");
  writeFileSync(join(state, "boot"), "default\n");
  writeFileSync(join(state, "chassis.log"), "");
  if (options.softOffDelayS !== undefined) writeFileSync(join(state, "soft-off-delay"), `${options.softOffDelayS}\n`);
  if (options.ignoreSoftOff) writeFileSync(join(state, "soft-off-ignored"), "");
  const hooks: Record<string, string | undefined> = {
    "power-on": options.hooks?.powerOn,
    "power-off": options.hooks?.powerOff,
    reset: options.hooks?.reset,
    boot: options.hooks?.boot,
    "power-state": options.hooks?.powerState,
  };
  for (const [name, command] of Object.entries(hooks)) {
    if (command) writeFileSync(join(state, "hooks", name), `#!/bin/sh\n${command}\n`, { mode: 0o755 });
  }

  // The password is in this file only (mode 0600), never on a command line.
  const lanConf = [
    `name "teeth-sim-${port}"`,
    "set_working_mc 0x20",
    "  startlan 1",
    `    addr ${address} ${port}`,
    "    priv_limit admin",
    "    allowed_auths_callback none md2 md5 straight",
    "    allowed_auths_user none md2 md5 straight",
    "    allowed_auths_operator none md2 md5 straight",
    "    allowed_auths_admin none md2 md5 straight",
    "    guid a123456789abcdefa123456789abcdef",
    "  endlan",
    ...(options.serialPort ? [`  serial 15 127.0.0.1 ${options.serialPort} codec VM`] : []),
    `  chassis_control ${q(`${CHASSIS_SCRIPT} ${state}`)}`,
    `user 2 true ${q(user)} ${q(options.password)} admin 10 none md2 md5 straight`,
    "",
  ].join("\n");
  writeFileSync(join(dir, "lan.conf"), lanConf, { mode: 0o600 });
  writeFileSync(
    join(dir, "sim.emu"),
    ["mc_setbmc 0x20", "mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr", "mc_enable 0x20", ""].join("\n"),
  );

  const argv = ["ipmi_sim", "-c", join(dir, "lan.conf"), "-f", join(dir, "sim.emu"), "-s", join(dir, "sim-state"), "-n"];
  const logFile = join(dir, "ipmi_sim.log");
  const proc: Subprocess = spawn(options.netns ? ["ip", "netns", "exec", options.netns, ...argv] : argv, {
    stdout: options.detached ? Bun.file(logFile) : "pipe",
    stderr: options.detached ? Bun.file(logFile) : "pipe",
    stdin: "ignore",
    cwd: dir,
  });
  let out = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of stream) out += dec.decode(chunk);
  };
  if (options.detached) proc.unref();
  else {
    void pump(proc.stdout as ReadableStream<Uint8Array>);
    void pump(proc.stderr as ReadableStream<Uint8Array>);
  }
  const output = () => (options.detached ? (existsSync(logFile) ? readFileSync(logFile, "utf8") : "") : out);
  const answers = () => (options.netns ? answersIpmitool(options.netns, address, port, user, options.password) : answersPing(port, 200));

  let frozen = false;
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      if (frozen) proc.kill("SIGCONT");
      proc.kill("SIGTERM");
      const killer = setTimeout(() => proc.kill("SIGKILL"), 2000);
      await proc.exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 10_000;
  while (!(await answers())) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`ipmi_sim did not start on udp/${address}:${port}: ${output()}`);
    }
  }

  const chassisLog = () => (existsSync(join(state, "chassis.log")) ? readFileSync(join(state, "chassis.log"), "utf8").split("\n").filter(Boolean) : []);
  return {
    address,
    port,
    pid: proc.pid,
    user,
    password: options.password,
    dir,
    driverInfo: (extra = {}) => ({ ipmi_address: address, ipmi_port: port, ipmi_username: user, ipmi_password: options.password, ...extra }),
    power: () => (readFileSync(join(state, "power"), "utf8").trim() === "1" ? "on" : "off"),
    bootDevice: () => readFileSync(join(state, "boot"), "utf8").trim(),
    setPower: (on) => writeFileSync(join(state, "power"), on ? "1\n" : "0\n"),
    log: chassisLog,
    actions: (since = 0) => chassisLog().slice(since).map((l) => l.slice(l.indexOf(" ") + 1)),
    output,
    freeze() {
      proc.kill("SIGSTOP");
      frozen = true;
    },
    thaw() {
      proc.kill("SIGCONT");
      frozen = false;
    },
    stop,
  };
}
