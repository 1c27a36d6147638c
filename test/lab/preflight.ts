/**
 * @module test/lab/preflight
 * What the virtual rack needs of this machine, checked before anything is started, so
 * `make lab-up` says what is missing in one sentence instead of failing half-way with a
 * stack trace: root (namespaces, taps), `/dev/net/tun`, the tools, the RAM disk, free space.
 */
import { existsSync, statfsSync } from "node:fs";

export interface PreflightInput {
  labDir: string;
  /** Bytes the lab's files need (sparse disks count in full: they fill up when written). */
  needBytes: number;
  binary: string;
  kernel: string;
  initramfs: string;
}

const TOOLS = ["ip", "ipmi_sim", "ipmitool", "qemu-system-x86_64", "qemu-img", "/usr/sbin/dnsmasq"];
const FILES = ["/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd", "/usr/lib/ipxe/undionly.kpxe", "/usr/lib/ipxe/snponly.efi"];

/**
 * The reasons the lab cannot run here (empty: it can).
 * @example
 * const problems = preflight({ labDir: "build/lab", needBytes: 8 << 30, binary: "dist/teeth", kernel, initramfs });
 * if (problems.length) { console.error(problems.join("\n")); process.exit(1); }
 */
export function preflight(input: PreflightInput): string[] {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push("the lab needs root (network namespaces, taps): run it as root (sudo make lab-up)");
  if (!existsSync("/dev/net/tun")) problems.push("/dev/net/tun is missing: QEMU's taps need the tun driver (modprobe tun; in a container, pass the device)");
  for (const tool of TOOLS) {
    if (!(tool.startsWith("/") ? existsSync(tool) : Bun.which(tool))) problems.push(`${tool} is not installed (make deps installs it)`);
  }
  for (const file of FILES) if (!existsSync(file)) problems.push(`${file} is missing (Debian packages ovmf and ipxe; make deps)`);
  if (!existsSync(input.binary)) problems.push(`${input.binary} is missing: run make build`);
  if (!existsSync(input.kernel) || !existsSync(input.initramfs)) problems.push(`the RAM disk (${input.kernel}, ${input.initramfs}) is missing: run make ramdisk`);
  try {
    const fs = statfsSync(existsSync(input.labDir) ? input.labDir : ".");
    const free = fs.bavail * fs.bsize;
    if (free < input.needBytes) {
      problems.push(`not enough free space for the lab's disks: ${(free / 2 ** 30).toFixed(1)} GiB free, ${(input.needBytes / 2 ** 30).toFixed(1)} GiB needed`);
    }
  } catch {}
  return problems;
}
