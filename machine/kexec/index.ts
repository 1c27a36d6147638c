/**
 * @module machine/kexec
 * Booting the deployed OS without the firmware: find its kernel, initramfs and command line
 * in the written image (BLS, grub.cfg, extlinux.conf) and load them for `kexec`.
 *
 * @example
 * import { kexecLoader, loadDeployedOs } from "./machine/kexec/index.ts";
 * const os = await loadDeployedOs({ disk: "/dev/vda", exec, fs, logger, load: kexecLoader(exec) });
 */
export { kexecLoader, loadDeployedOs, type KernelToLoad, type LoadedOs } from "./load-deployed-os.ts";
export { KexecErrors } from "./errors.ts";
export { findBootEntry } from "./find-boot-entry.ts";
