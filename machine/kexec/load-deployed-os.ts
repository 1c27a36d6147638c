/**
 * @module machine/kexec/load-deployed-os
 * Loads the deployed OS's kernel for a kexec: refuses under enforced Secure Boot, mounts the
 * install disk's partitions read-only, finds the default boot entry, settles its `root=`,
 * refuses a partition image that has no boot loader, and hands kernel, initramfs and
 * command line to `load` (the agent's `kexec -l`) while the files are still mounted. What
 * remains for the caller is `kexec -e`. Every refusal is a catalogued error with its reason.
 */
import type { Exec } from "../../common/exec.ts";
import type { Logger } from "../../common/logger.ts";
import type { HostFs } from "../host-fs.ts";
import { bootLoaderPresent } from "./boot-loader-present.ts";
import { KexecErrors } from "./errors.ts";
import { findBootEntry, resolveInside } from "./find-boot-entry.ts";
import { withMountedPartitions } from "./mounted-partitions.ts";
import { readSecureBoot } from "./secure-boot.ts";
import { chooseRoot } from "./root-argument.ts";

/** What `load` receives: host paths valid only during the call. */
export interface KernelToLoad {
  kernel: string;
  initrd: string | null;
  cmdline: string;
}

/** What was loaded, for the command's answer and the logs. */
export interface LoadedOs {
  disk: string;
  source: string;
  title: string;
  kernel: string;
  initrd: string | null;
  cmdline: string;
  root: string;
}

export interface LoadDeployedOsOptions {
  disk: string;
  /** `partition`: also require a boot loader on the disk. */
  imageType?: "whole-disk" | "partition";
  exec: Exec;
  fs: HostFs;
  logger: Logger;
  load(k: KernelToLoad): Promise<void>;
  tmpRoot?: string;
}

/**
 * The real `kexec -l` through the exec seam; a failure is a KexecLoadFailed error.
 * @example
 * await loadDeployedOs({ disk: "/dev/vda", exec, fs, logger, load: kexecLoader(exec) });
 */
export function kexecLoader(exec: Exec): (k: KernelToLoad) => Promise<void> {
  return async (k) => {
    const args = ["-l", k.kernel, ...(k.initrd ? [`--initrd=${k.initrd}`] : []), `--command-line=${k.cmdline}`];
    const r = await exec("kexec", args, { timeoutMs: 120_000 });
    if (r.failed) throw KexecErrors.load((r.stderr || r.stdout).trim() || (r.timedOut ? "timed out" : `exit ${r.exitCode}`));
  };
}

/**
 * @example
 * const os = await loadDeployedOs({ disk: "/dev/vda", exec, fs, logger, load: kexecLoader(exec) });
 * // os.cmdline === "root=UUID=... ro console=ttyS0,115200 ..."
 */
export async function loadDeployedOs(o: LoadDeployedOsOptions): Promise<LoadedOs> {
  if (await readSecureBoot(o.fs)) throw KexecErrors.secureBoot();
  const partitionNumber = async (device: string) => Number(await o.fs.text(`/sys/class/block/${device.replace(/^\/dev\//, "")}/partition`)) || null;
  return withMountedPartitions(o.disk, { exec: o.exec, logger: o.logger, partitionNumber, tmpRoot: o.tmpRoot }, async (partitions) => {
    const r = await findBootEntry(partitions);
    if (!r.ok) throw KexecErrors.noKernel(r.reasons.join("; "));
    if (o.imageType === "partition" && !(await bootLoaderPresent(o.disk, partitions, o.fs))) throw KexecErrors.noBootLoader(o.disk);
    const { entry, kernel, initrd, config } = r.found;
    const kernelDir = kernel.partition.dir!;
    const isRoot = (await resolveInside(kernelDir, "/etc/os-release")) !== null || (await resolveInside(kernelDir, "/etc/fstab")) !== null;
    const root = chooseRoot(entry.cmdline, partitions, kernel.partition, isRoot);
    if (!root.ok) throw KexecErrors.noRoot(root.reason);
    const loaded: LoadedOs = {
      disk: o.disk,
      source: `${entry.kind} ${config.file} on ${config.partition.device}`,
      title: entry.title,
      kernel: `${kernel.file} on ${kernel.partition.device}`,
      initrd: initrd ? `${initrd.file} on ${initrd.partition.device}` : null,
      cmdline: root.cmdline,
      root: root.root,
    };
    o.logger.info(loaded, "kexec: loading the deployed OS's kernel");
    await o.load({ kernel: kernel.hostPath, initrd: initrd?.hostPath ?? null, cmdline: root.cmdline });
    return loaded;
  });
}
