/**
 * @module test/lab/netns
 * A network namespace (`nb-...`) holding a bridge and one tap per guest: everything the
 * network-boot tests send (DHCP, TFTP, HTTP, the agent's API) stays inside it. Cleanup kills
 * the processes started in it (by pid, as listed by `ip netns pids`) and deletes it.
 */
import { randomBytes } from "node:crypto";

export interface NetnsLab {
  readonly name: string;
  readonly bridge: string;
  /** The host's address on the bridge (the conductor's). */
  readonly address: string;
  addTap(name: string): void;
  /** A veth pair inside the namespace: `<name>-br` on the bridge, `<name>` with `mac`, for a DHCP client. */
  addVeth(name: string, mac: string): void;
  /** `ip netns exec <ns> ...argv`, synchronously; throws with stderr when it fails. */
  run(argv: string[]): string;
  /** Interfaces inside the namespace and its routes (to show nothing leads out). */
  links(): string[];
  routes(): string[];
  /** Kills everything running in the namespace (TERM, then KILL) and deletes it. Never throws. */
  destroy(): Promise<void>;
}

function ip(args: string[]): string {
  const r = Bun.spawnSync(["ip", ...args], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr.toString().trim()}`);
  return r.stdout.toString();
}

/** Names of the lab namespaces on this machine (to check none is left behind). */
export function labNamespaces(): string[] {
  return ip(["netns", "list"]).split("\n").map((l) => l.split(" ")[0]!).filter((n) => n.startsWith("nb-"));
}

/**
 * @example
 * const lab = createNetnsLab("10.78.0.1/24");
 * lab.addTap("nb-tap0");
 * await lab.destroy();
 */
export function createNetnsLab(cidr: string): NetnsLab {
  const name = `nb-${process.pid}-${randomBytes(2).toString("hex")}`;
  const bridge = "nb-br0";
  ip(["netns", "add", name]);
  const lab: NetnsLab = {
    name,
    bridge,
    address: cidr.split("/")[0]!,
    run(argv) {
      return ip(["netns", "exec", name, ...argv]);
    },
    addTap(tap) {
      ip(["-n", name, "tuntap", "add", tap, "mode", "tap"]);
      ip(["-n", name, "link", "set", tap, "master", bridge]);
      ip(["-n", name, "link", "set", tap, "up"]);
    },
    addVeth(veth, mac) {
      ip(["-n", name, "link", "add", `${veth}-br`, "type", "veth", "peer", "name", veth]);
      ip(["-n", name, "link", "set", `${veth}-br`, "master", bridge]);
      ip(["-n", name, "link", "set", `${veth}-br`, "up"]);
      ip(["-n", name, "link", "set", veth, "address", mac]);
      ip(["-n", name, "link", "set", veth, "up"]);
    },
    links: () => ip(["-n", name, "-o", "link", "show"]).split("\n").filter(Boolean).map((l) => l.split(": ")[1]!.split("@")[0]!),
    routes: () => ip(["-n", name, "-4", "route", "show"]).split("\n").filter(Boolean),
    async destroy() {
      for (const signal of ["SIGTERM", "SIGKILL"] as const) {
        let pids: number[] = [];
        try {
          pids = ip(["netns", "pids", name]).split("\n").filter(Boolean).map(Number);
        } catch {}
        for (const pid of pids) {
          try {
            process.kill(pid, signal);
          } catch {}
        }
        for (let i = 0; i < 50 && pids.length; i++) {
          await Bun.sleep(100);
          try {
            pids = ip(["netns", "pids", name]).split("\n").filter(Boolean).map(Number);
          } catch {
            pids = [];
          }
        }
      }
      try {
        ip(["netns", "del", name]);
      } catch {}
    },
  };
  try {
    ip(["-n", name, "link", "set", "lo", "up"]);
    ip(["-n", name, "link", "add", bridge, "type", "bridge"]);
    ip(["-n", name, "addr", "add", cidr, "dev", bridge]);
    ip(["-n", name, "link", "set", bridge, "up"]);
  } catch (e) {
    void lab.destroy();
    throw e;
  }
  return lab;
}
