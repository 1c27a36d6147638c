/**
 * @module test/ramdisk/qemu-vm
 * A QEMU guest booted from the built RAM disk (software emulation: KVM hangs on these hosts),
 * its serial console captured to a file and searchable, the agent's port forwarded to loopback.
 * Without `kernel` the guest boots from its disks through its firmware (the OS image tests);
 * without `agentPort` it has no NIC.
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Subprocess } from "bun";

export interface VmOptions {
  /** Direct kernel boot; absent: the firmware boots from the disks in `extra`. */
  kernel?: string;
  initrd?: string;
  /** Kernel command line (console=ttyS0 is the caller's to give). */
  append?: string;
  /** Host loopback port forwarded to the guest's 9999 (the agent's command API); absent: no NIC. */
  agentPort?: number;
  /** MAC of the virtio NIC carrying the forwarded port (QEMU's default when absent). */
  bootMac?: string;
  /** Extra QEMU arguments (disks, more NICs). */
  extra: string[];
  consoleLog: string;
  memoryMiB?: number;
}

export interface Vm {
  proc: Subprocess;
  startedAt: number;
  console(): string;
  /** Resolves when `pattern` appears on the console; rejects on timeout or QEMU exit. */
  waitForConsole(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Resolves with QEMU's exit code, or null when it is still running after timeoutMs. */
  waitForExit(timeoutMs: number): Promise<number | null>;
  kill(): Promise<void>;
}

/**
 * @example
 * const vm = startVm({ kernel, initrd, append: "console=ttyS0", agentPort: 19999, extra: [], consoleLog: "/tmp/c.log" });
 * await vm.waitForConsole(/starting teeth agent/, 120_000);
 */
export function startVm(o: VmOptions): Vm {
  mkdirSync(dirname(o.consoleLog), { recursive: true });
  writeFileSync(o.consoleLog, "");
  const args = [
    "qemu-system-x86_64",
    // TCG's default CPU (qemu64) lacks SSE4.2/POPCNT, which the Bun binary needs.
    "-cpu", "max",
    "-m", String(o.memoryMiB ?? 1024),
    "-smp", "2",
    "-nographic",
    "-no-reboot",
    ...(o.kernel ? ["-kernel", o.kernel] : []),
    ...(o.kernel && o.initrd ? ["-initrd", o.initrd] : []),
    ...(o.kernel && o.append ? ["-append", o.append] : []),
    ...(o.agentPort === undefined
      ? ["-nic", "none"]
      : [
          "-netdev", `user,id=n0,hostfwd=tcp:127.0.0.1:${o.agentPort}-:9999`,
          "-device", `virtio-net-pci,netdev=n0${o.bootMac ? `,mac=${o.bootMac}` : ""}`,
        ]),
    ...o.extra,
  ];
  const startedAt = performance.now();
  const proc = Bun.spawn(args, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let text = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of stream) {
      const s = dec.decode(chunk, { stream: true }).replace(/\r/g, "");
      text += s;
      appendFileSync(o.consoleLog, s);
    }
  };
  const pumps = Promise.all([pump(proc.stdout as ReadableStream<Uint8Array>), pump(proc.stderr as ReadableStream<Uint8Array>)]);
  return {
    proc,
    startedAt,
    console: () => text,
    async waitForConsole(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = text.match(pattern);
        if (m) return m;
        if (proc.exitCode !== null) throw new Error(`QEMU exited (${proc.exitCode}) before ${pattern} appeared; console in ${o.consoleLog}`);
        if (Date.now() > deadline) throw new Error(`${pattern} did not appear within ${timeoutMs / 1000} s; console in ${o.consoleLog}`);
        await Bun.sleep(200);
      }
    },
    async waitForExit(timeoutMs) {
      const code = await Promise.race([proc.exited, Bun.sleep(timeoutMs).then(() => null)]);
      if (code !== null) await pumps;
      return code;
    },
    async kill() {
      if (proc.exitCode !== null) return;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
      await proc.exited;
      clearTimeout(timer);
    },
  };
}
