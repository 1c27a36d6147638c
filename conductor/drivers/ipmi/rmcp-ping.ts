/**
 * @module conductor/drivers/ipmi/rmcp-ping
 * After ipmitool heard nothing from a BMC, one RMCP presence ping (ASF, the packet every IPMI
 * LAN interface answers) tells "nothing can be reached there" from "it is there but silent":
 * on a connected UDP socket the kernel reports an ICMP port/host/network unreachable as a
 * socket error, which ipmitool ignores (it keeps retransmitting until its retries run out).
 */
import dgram from "node:dgram";
import { isIP } from "node:net";

/** `answered`: something replied; `refused`: the network said nobody is there; `silent`: nothing came back. */
export type PingOutcome = { kind: "answered" } | { kind: "refused"; reason: string } | { kind: "silent" };

// RMCP v1.0, class ASF; ASF IANA 4542, type Presence Ping, tag 0.
const PRESENCE_PING = Buffer.from("0600ff06000011be80000000", "hex");

const REASONS: Record<string, string> = {
  ECONNREFUSED: "nothing listens on that UDP port (ICMP port unreachable)",
  EHOSTUNREACH: "no route to the host (ICMP host unreachable)",
  ENETUNREACH: "the network is unreachable",
  ENOTFOUND: "the host name does not resolve",
  EAI_AGAIN: "the host name does not resolve (DNS unavailable)",
};

/**
 * Sends one presence ping to host:port and waits up to `timeoutMs` for an answer or an error.
 * @example
 * await rmcpPing("10.0.0.5", 623, 1000); // { kind: "refused", reason: "nothing listens on that UDP port ..." }
 */
export function rmcpPing(host: string, port: number, timeoutMs: number): Promise<PingOutcome> {
  const socket = dgram.createSocket(isIP(host) === 6 ? "udp6" : "udp4");
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: PingOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        socket.close();
      } catch {
        /* already closed */
      }
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ kind: "silent" }), timeoutMs);
    socket.on("error", (e: NodeJS.ErrnoException) => {
      const code = e.code ?? "";
      finish(code in REASONS ? { kind: "refused", reason: REASONS[code]! } : { kind: "silent" });
    });
    socket.on("message", () => finish({ kind: "answered" }));
    try {
      socket.connect(port, host, () => {
        // A second ping after a moment: the first may only have triggered ARP/ICMP.
        socket.send(PRESENCE_PING, () => setTimeout(() => !settled && socket.send(PRESENCE_PING), Math.min(200, timeoutMs / 3)));
      });
    } catch (e) {
      finish({ kind: "refused", reason: `cannot send to ${host}: ${(e as Error).message}` });
    }
  });
}
