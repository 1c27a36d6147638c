/**
 * @module machine/kexec/errors
 * Why a kexec into the deployed OS is refused or failed. Each reaches the conductor as the
 * command's `command_error` (type = code); the conductor then reboots through the firmware.
 */
import { defineErrorCatalogue, type ErrorSpecs } from "../../common/error-catalogue.ts";

export const KexecErrors = defineErrorCatalogue({
  noKernel: { code: "KexecNoKernel", status: 409, message: (why: string) => `kexec refused: no kernel found in the deployed image (${why})` },
  secureBoot: { code: "KexecSecureBoot", status: 409, message: () => "kexec refused: Secure Boot is enforced (the firmware must verify the deployed OS's boot chain)" },
  noBootLoader: { code: "KexecNoBootLoader", status: 409, message: (device: string) => `kexec refused: the partition image on ${device} has no boot loader (no EFI loader, BIOS boot partition or MBR boot code), so a later reboot would boot nothing` },
  noRoot: { code: "KexecNoRootDevice", status: 409, message: (why: string) => `kexec refused: ${why}` },
  disk: { code: "KexecDiskUnreadable", status: 500, message: (why: string) => `kexec: cannot read the install disk: ${why}` },
  load: { code: "KexecLoadFailed", status: 500, message: (why: string) => `kexec -l failed: ${why}` },
} satisfies ErrorSpecs);
