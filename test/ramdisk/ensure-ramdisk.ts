/**
 * @module test/ramdisk/ensure-ramdisk
 * Builds (or brings up to date) the RAM disk for the QEMU tests, and makes sure QEMU is
 * installed. The build is cached, so an unchanged tree costs seconds.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";

export const REPO = resolve(import.meta.dir, "../..");
export const KERNEL = resolve(REPO, "build/ramdisk/vmlinuz");
export const INITRD = resolve(REPO, "build/ramdisk/initramfs.img");

export type RamdiskBuild = { ok: true; seconds: number; output: string } | { ok: false; reason: string };

/**
 * Runs image-build/build-ramdisk.sh; `ok: false` with the reason when it cannot build
 * (not root, no dist/teeth, no network for the first download...).
 * @example
 * const built = await buildRamdisk();
 * describe.skipIf(!built.ok)("in QEMU", () => { ... });
 */
export async function buildRamdisk(): Promise<RamdiskBuild> {
  const start = performance.now();
  const proc = Bun.spawn(["bash", resolve(REPO, "image-build/build-ramdisk.sh")], { cwd: REPO, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0 || !existsSync(KERNEL) || !existsSync(INITRD)) {
    const tail = `${out}\n${err}`.trim().split("\n").slice(-8).join("\n");
    return { ok: false, reason: `image-build/build-ramdisk.sh exited ${code}:\n${tail}` };
  }
  return { ok: true, seconds: (performance.now() - start) / 1000, output: out.trim() };
}

/** Installs Debian's qemu-system-x86 when qemu-system-x86_64 is missing; throws if it still is. */
export function ensureQemu(): string {
  const found = Bun.which("qemu-system-x86_64");
  if (found) return found;
  const apt = Bun.spawnSync(
    ["bash", "-c", "apt-get -o DPkg::Lock::Timeout=900 update -qq && apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends qemu-system-x86"],
    { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, stdout: "pipe", stderr: "pipe" },
  );
  const installed = Bun.which("qemu-system-x86_64");
  if (!installed) throw new Error(`qemu-system-x86_64 missing and apt-get install qemu-system-x86 failed:\n${apt.stderr.toString()}`);
  return installed;
}
