/**
 * @module conductor/boot/kernel-cmdline
 * The RAM disk's kernel command line, in IPA's terms: the parameters the orchestration asked
 * for (`ipa-api-url`, ...), `BOOTIF` (the NIC that booted, so the agent looks up with it and
 * /init runs DHCP on it), `ipa-global-request-id`, then the operator's and the node's extras.
 */
import { assertSafeKernelParams } from "./ipxe-script.ts";
import { bootif } from "./mac.ts";

export interface KernelCmdline {
  params: Array<readonly [string, string]>;
  append: string[];
}

/**
 * Builds and checks the command line; throws naming a parameter iPXE cannot carry.
 * @example
 * kernelCmdline({ kernelParams: { "ipa-api-url": "http://10.0.0.1:6385" }, mac: "52:54:00:12:34:56", requestId: "req-1", configAppend: "console=ttyS0", nodeAppend: [] });
 * // params: ipa-api-url, BOOTIF=01-52-54-00-12-34-56, ipa-global-request-id=req-1; append: ["console=ttyS0"]
 */
export function kernelCmdline(o: { kernelParams: Record<string, string>; mac: string; requestId: string; configAppend: string; nodeAppend: readonly string[] }): KernelCmdline {
  const params: Array<readonly [string, string]> = Object.entries(o.kernelParams).filter(([k]) => k !== "BOOTIF" && k !== "ipa-global-request-id");
  params.push(["BOOTIF", bootif(o.mac)], ["ipa-global-request-id", o.requestId]);
  const append = [...o.configAppend.split(/\s+/).filter(Boolean), ...o.nodeAppend];
  assertSafeKernelParams(params, append);
  return { params, append };
}
