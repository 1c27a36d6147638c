/**
 * @module test/support/ipmi-sim
 * A real BMC for tests: OpenIPMI's `ipmi_sim` on 127.0.0.1 (a free UDP port), one admin user,
 * IPMI 2.0 (lanplus, cipher suite 3; it refuses 17), and a chassis (`ipmi-sim-chassis.sh`)
 * that keeps power and boot device in files and logs every call. `freeze()` stops the
 * process (SIGSTOP): a BMC that never answers. Hooks let a lab put a real machine (QEMU)
 * behind the chassis. Everything lives in one temp dir, removed by `stop()`.
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
   * A failing hook makes the BMC answer the IPMI command with an error.
   */
  hooks?: { powerOn?: string; powerOff?: string; reset?: string; boot?: string };
}

export interface IpmiSim {
  readonly address: "127.0.0.1";
  readonly port: number;
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
  const dir = mkdtempSync(join(tmpdir(), "teeth-ipmi-sim-"));
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
  };
  for (const [name, command] of Object.entries(hooks)) {
    if (command) writeFileSync(join(state, "hooks", name), `#!/bin/sh\n${command}\n`, { mode: 0o755 });
  }

  // The password is in this file only (mode 0600), never on a command line.
  const lanConf = [
    `name "teeth-sim-${port}"`,
    "set_working_mc 0x20",
    "  startlan 1",
    `    addr 127.0.0.1 ${port}`,
    "    priv_limit admin",
    "    allowed_auths_callback none md2 md5 straight",
    "    allowed_auths_user none md2 md5 straight",
    "    allowed_auths_operator none md2 md5 straight",
    "    allowed_auths_admin none md2 md5 straight",
    "    guid a123456789abcdefa123456789abcdef",
    "  endlan",
    `  chassis_control ${q(`${CHASSIS_SCRIPT} ${state}`)}`,
    `user 2 true ${q(user)} ${q(options.password)} admin 10 none md2 md5 straight`,
    "",
  ].join("\n");
  writeFileSync(join(dir, "lan.conf"), lanConf, { mode: 0o600 });
  writeFileSync(
    join(dir, "sim.emu"),
    ["mc_setbmc 0x20", "mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr", "mc_enable 0x20", ""].join("\n"),
  );

  const proc: Subprocess = spawn(["ipmi_sim", "-c", join(dir, "lan.conf"), "-f", join(dir, "sim.emu"), "-s", join(dir, "sim-state"), "-n"], {
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
    cwd: dir,
  });
  let out = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of stream) out += dec.decode(chunk);
  };
  void pump(proc.stdout as ReadableStream<Uint8Array>);
  void pump(proc.stderr as ReadableStream<Uint8Array>);

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
  while (!(await answersPing(port, 200))) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`ipmi_sim did not start on udp/${port}: ${out}`);
    }
  }

  const chassisLog = () => (existsSync(join(state, "chassis.log")) ? readFileSync(join(state, "chassis.log"), "utf8").split("\n").filter(Boolean) : []);
  return {
    address: "127.0.0.1",
    port,
    user,
    password: options.password,
    dir,
    driverInfo: (extra = {}) => ({ ipmi_address: "127.0.0.1", ipmi_port: port, ipmi_username: user, ipmi_password: options.password, ...extra }),
    power: () => (readFileSync(join(state, "power"), "utf8").trim() === "1" ? "on" : "off"),
    bootDevice: () => readFileSync(join(state, "boot"), "utf8").trim(),
    setPower: (on) => writeFileSync(join(state, "power"), on ? "1\n" : "0\n"),
    log: chassisLog,
    actions: (since = 0) => chassisLog().slice(since).map((l) => l.slice(l.indexOf(" ") + 1)),
    output: () => out,
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
