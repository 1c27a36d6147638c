/**
 * @module machine/inventory/bmc
 * The BMC's addresses, asked of the BMC itself over the in-band IPMI interface with
 * `ipmitool lan print`. Only tried when an IPMI device node exists: without one ipmitool
 * just fails after probing, and on a BMC-less VM that costs time for nothing.
 */
import type { Exec } from "../../common/exec.ts";
import type { Logger } from "../../common/logger.ts";
import type { HostFs } from "../host-fs.ts";

export interface BmcAddresses {
  bmc_address: string | null;
  bmc_v6address: string | null;
  bmc_mac: string | null;
}

const IPMI_DEVICES = ["/dev/ipmi0", "/dev/ipmi/0", "/dev/ipmidev/0"];
/** LAN channels IPA probes: the BMC's NIC is usually 1, but vendors use up to 11. */
const CHANNELS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

/** `Key : value` lines of ipmitool output. */
function field(output: string, key: string): string | null {
  const re = new RegExp(`^\\s*${key}\\s*:\\s*(\\S+)`, "mi");
  return re.exec(output)?.[1] ?? null;
}

/** IPv4 and MAC from `ipmitool lan print`; "0.0.0.0" means unconfigured. */
export function parseLanPrint(output: string): { ip: string | null; mac: string | null } {
  const ip = field(output, "IP Address");
  const mac = field(output, "MAC Address");
  return {
    ip: ip && /^\d+\.\d+\.\d+\.\d+$/.test(ip) && ip !== "0.0.0.0" ? ip : null,
    mac: mac && mac !== "00:00:00:00:00:00" ? mac.toLowerCase() : null,
  };
}

/** First configured address in `ipmitool lan6 print`; "::" (shown as "::/0") means none. */
export function parseLan6Print(output: string): string | null {
  for (const m of output.matchAll(/Address:\s*([0-9a-fA-F:]+)\/\d+/g)) {
    const addr = m[1]!.toLowerCase();
    if (addr !== "::" && !addr.startsWith("fe80:")) return addr;
  }
  return null;
}

/**
 * @example
 * await collectBmc({ fs, exec, logger }); // { bmc_address: "10.0.0.5", bmc_v6address: null, bmc_mac: "..." }
 */
export async function collectBmc(deps: { fs: HostFs; exec: Exec; logger: Logger; timeoutMs?: number }): Promise<BmcAddresses> {
  const none: BmcAddresses = { bmc_address: null, bmc_v6address: null, bmc_mac: null };
  let present = false;
  for (const dev of IPMI_DEVICES) present ||= await deps.fs.exists(dev);
  if (!present) return none;

  const timeoutMs = deps.timeoutMs ?? 10_000;
  const result = { ...none };
  for (const channel of CHANNELS) {
    const r = await deps.exec("ipmitool", ["lan", "print", String(channel)], { timeoutMs });
    // A BMC that does not answer within the timeout will not answer on other channels either.
    if (r.timedOut || (r.failed && r.exitCode === null)) {
      deps.logger.warn({ command: r.command, stderr: r.stderr.slice(0, 300) }, "ipmitool unavailable or BMC not answering");
      return none;
    }
    if (r.failed) continue;
    const { ip, mac } = parseLanPrint(r.stdout);
    if (ip) {
      result.bmc_address = ip;
      result.bmc_mac = mac;
      break;
    }
  }
  const r6 = await deps.exec("ipmitool", ["lan6", "print"], { timeoutMs });
  if (!r6.failed) result.bmc_v6address = parseLan6Print(r6.stdout);
  return result;
}
