/**
 * @module conductor/drivers/ipmi/ipmitool-args
 * The ipmitool command line for one BMC, and the environment that carries the password:
 * `-E` makes ipmitool read `IPMI_PASSWORD`, so the password is never on argv (where any
 * user can read it in /proc/PID/cmdline). An unset password is sent as the empty string:
 * without the variable, ipmitool would prompt on stdin and hang.
 */
import type { IpmiTarget } from "./driver-info.ts";

export interface IpmitoolInvocation {
  args: string[];
  env: Record<string, string>;
}

/**
 * @example
 * ipmitoolInvocation(target, 3, 2, ["chassis", "power", "status"]);
 * // { args: ["-I", "lanplus", "-H", "10.0.0.5", "-p", "623", "-U", "admin", "-L", "ADMINISTRATOR", "-C", "3", "-N", "2", "-R", "1", "-v", "-E", "chassis", "power", "status"], env: { IPMI_PASSWORD: "..." } }
 */
export function ipmitoolInvocation(target: IpmiTarget, cipherSuite: number, packetTimeoutS: number, command: readonly string[], packetRetries = 1): IpmitoolInvocation {
  const args = ["-I", "lanplus", "-H", target.address, "-p", String(target.port)];
  if (target.username !== null) args.push("-U", target.username);
  args.push("-L", target.privLevel, "-C", String(cipherSuite), "-N", String(packetTimeoutS), "-R", String(packetRetries));
  // -v: on failure ipmitool then says why (RAKP 2 HMAC invalid, no answer, ...), see ipmitool-failure.ts.
  args.push("-v", "-E", ...command);
  return { args, env: { IPMI_PASSWORD: target.password } };
}

/** "address:port": the key of per-BMC state (queue, cipher suite) and the name in errors. */
export function bmcLabel(target: Pick<IpmiTarget, "address" | "port">): string {
  return target.address.includes(":") ? `[${target.address}]:${target.port}` : `${target.address}:${target.port}`;
}
