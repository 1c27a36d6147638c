/**
 * @module bench/lab-deploy/cases
 * The four deploys the benchmark compares (issue 14), each as the conductor configuration it
 * needs, what goes into the node's `instance_info`, and whether this tree can run it at all:
 * a case whose feature is missing (the agent has no `standby.kexec_boot`, the RAM disk no
 * `kexec`, the conductor refuses `deploy.prestage_image`) says why instead of measuring the
 * fallback and calling it that case.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ConductorConfigSchema } from "../../conductor/config/schema.ts";
import { REPO } from "../../test/lab/lab.ts";

type Json = Record<string, unknown>;

export interface BenchCase {
  id: 1 | 2 | 3 | 4;
  title: string;
  /** Merged over the lab conductor's configuration for this case. */
  conductor: Json;
  /** Merged into the node's `instance_info` before each deploy. */
  instanceInfo: Json;
  /** The node must wait in `available` with its agent heartbeating (fast track). */
  needsAgent: boolean;
  /** The node must have `conductor.deploy.prestage_image` written in advance. */
  needsPrestage: boolean;
}

/** Long enough for software emulation on a loaded machine; the sweep checks often. */
const TIMEOUTS = { timeouts: { deploy_callback_s: 900, clean_callback_s: 900, inspect_wait_s: 900, check_interval_s: 5 } };

/**
 * @example
 * benchCases("os-image.raw.zst").find((c) => c.id === 4)!.conductor; // { ..., deploy: { prestage_image: { image_source: "os-image.raw.zst" } } }
 */
export function benchCases(image: string): BenchCase[] {
  const fastTrack = { ...TIMEOUTS, agent: { fast_track: true } };
  const kexec = { deploy_reboot_method: "kexec" };
  return [
    // Cleaning off: an undeploy between runs is then a power-off, not a RAM disk boot (untimed either way).
    { id: 1, title: "classic (no fast track)", conductor: { ...TIMEOUTS, agent: { fast_track: false }, cleaning: { automated_clean: false } }, instanceInfo: {}, needsAgent: false, needsPrestage: false },
    { id: 2, title: "fast track", conductor: fastTrack, instanceInfo: {}, needsAgent: true, needsPrestage: false },
    { id: 3, title: "fast track + kexec", conductor: fastTrack, instanceInfo: kexec, needsAgent: true, needsPrestage: false },
    { id: 4, title: "pre-staged + kexec", conductor: { ...fastTrack, deploy: { prestage_image: { image_source: image } } }, instanceInfo: kexec, needsAgent: true, needsPrestage: true },
  ];
}

function sourcesMention(dir: string, needle: string): boolean {
  const walk = (d: string): boolean => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        if (walk(p)) return true;
      } else if (name.endsWith(".ts") && !name.endsWith(".test.ts") && readFileSync(p, "utf8").includes(needle)) return true;
    }
    return false;
  };
  return existsSync(dir) && walk(dir);
}

/** kexec in the built RAM disk (Debian kexec-tools), as its manifest lists it. */
function ramdiskHasKexec(ramdisk: string): boolean {
  const manifest = join(ramdisk, "rootfs.manifest");
  if (existsSync(join(ramdisk, "rootfs/usr/sbin/kexec")) || existsSync(join(ramdisk, "rootfs/sbin/kexec"))) return true;
  return existsSync(manifest) && /(^|\s|\/)kexec(-tools)?(\s|$)/m.test(readFileSync(manifest, "utf8"));
}

/**
 * Why this tree cannot run the case (null: it can). Reads the sources the binary is built
 * from and the built RAM disk; the conductor's own config schema judges `deploy.prestage_image`.
 * @example
 * unavailable(benchCases("x")[2]!); // "the agent has no standby.kexec_boot (branch kexec not merged)"
 */
export function unavailable(c: BenchCase, ramdisk = join(REPO, "build/ramdisk")): string | null {
  if (c.instanceInfo.deploy_reboot_method === "kexec") {
    if (!sourcesMention(join(REPO, "agent"), "kexec_boot")) return "the agent has no standby.kexec_boot (branch kexec not merged)";
    if (!sourcesMention(join(REPO, "conductor"), "deploy_reboot_method")) return "the conductor does not read deploy_reboot_method (branch kexec not merged)";
    if (!ramdiskHasKexec(ramdisk)) return `no kexec in the RAM disk ${ramdisk} (run make ramdisk)`;
  }
  if (c.needsPrestage) {
    const r = ConductorConfigSchema.safeParse(c.conductor);
    if (!r.success) return `the conductor refuses deploy.prestage_image (${r.error.issues[0]?.message ?? "invalid"}; branch fasttrack not merged)`;
  }
  return null;
}
