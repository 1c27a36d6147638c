/**
 * @module agent/heartbeat/advertise-address
 * The address the conductor should call back: the source address of the route towards the
 * conductor (what IPA does with `ip route get`), else the first non-internal IPv4.
 */
import { lookup } from "node:dns/promises";
import { networkInterfaces } from "node:os";
import type { Exec } from "../../common/exec.ts";

export async function findAdvertiseAddress(exec: Exec, apiUrl: string | undefined): Promise<string | null> {
  if (apiUrl) {
    try {
      const host = new URL(apiUrl).hostname.replace(/^\[|\]$/g, "");
      const { address } = await lookup(host);
      const r = await exec("ip", ["route", "get", address], { timeoutMs: 5000 });
      const src = /\bsrc\s+(\S+)/.exec(r.stdout)?.[1];
      if (!r.failed && src) return src;
      if (address === "127.0.0.1" || address === "::1") return address;
    } catch {
      /* fall through to interface scan */
    }
  }
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (!a.internal && a.family === "IPv4") return a.address;
  }
  return null;
}

/** `http(s)://host:port`, bracketing IPv6 literals. */
export function callbackUrl(protocol: "http" | "https", host: string, port: number): string {
  const h = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `${protocol}://${h}:${port}`;
}
