/**
 * @module common/ip-address
 * Classifies IP literals (IPv4-mapped IPv6 forms included) for security decisions: whether
 * an address is loopback, and whether it is one no agent can have (link-local, where cloud
 * metadata services live; unspecified; multicast; broadcast/reserved).
 */
import { BlockList, isIP } from "node:net";

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

const NOT_A_HOST = new BlockList();
NOT_A_HOST.addSubnet("0.0.0.0", 8, "ipv4");
NOT_A_HOST.addSubnet("169.254.0.0", 16, "ipv4");
NOT_A_HOST.addSubnet("224.0.0.0", 4, "ipv4");
NOT_A_HOST.addSubnet("240.0.0.0", 4, "ipv4");
NOT_A_HOST.addAddress("::", "ipv6");
NOT_A_HOST.addSubnet("fe80::", 10, "ipv6");
NOT_A_HOST.addSubnet("ff00::", 8, "ipv6");

function family(address: string): "ipv4" | "ipv6" | null {
  const f = isIP(address);
  return f === 4 ? "ipv4" : f === 6 ? "ipv6" : null;
}

/**
 * True for 127.0.0.0/8, ::1 and their IPv4-mapped forms; false for anything not an IP literal.
 * @example
 * isLoopbackAddress("127.0.1.1"); // true
 * isLoopbackAddress("127.example.org"); // false
 */
export function isLoopbackAddress(address: string): boolean {
  const f = family(address);
  return f !== null && LOOPBACK.check(address, f);
}

/**
 * True for addresses a server on a provisioning network cannot have: link-local
 * (169.254.0.0/16, fe80::/10), unspecified, multicast, 240.0.0.0/4 and broadcast.
 * @example
 * isNonHostAddress("169.254.169.254"); // true
 */
export function isNonHostAddress(address: string): boolean {
  const f = family(address);
  return f !== null && NOT_A_HOST.check(address, f);
}
