/**
 * @module test/lab/netns
 * A network namespace (`<prefix>...`: `nb-` for the network-boot tests, `lab-` for the virtual
 * rack) holding a bridge and one tap per guest: everything the tests and the lab send (DHCP,
 * TFTP, HTTP, IPMI, the agent's API) stays inside it. Cleanup kills the processes started in
 * it (by pid, as listed by `ip netns pids`) and deletes it; `destroyNamespace` does the same
 * from a name alone (a lab torn down by another process, or after a crash).
 */
import { randomBytes } from "node:crypto";

export interface NetnsLab {
  readonly name: string;
  readonly bridge: string;
  /** The host's address on the bridge (the conductor's). */
  readonly address: string;
  addTap(name: string): void;
  /** Another address on the bridge (e.g. one per simulated BMC). */
  addAddress(cidr: string): void;
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

/** Names of the namespaces starting with `prefix` on this machine (to check none is left behind). */
export function labNamespaces(prefix = "nb-"): string[] {
  return ip(["netns", "list"]).split("\n").map((l) => l.split(" ")[0]!).filter((n) => n.startsWith(prefix));
}

function pidsIn(name: string): number[] {
  try {
    return ip(["netns", "pids", name]).split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Kills everything running in namespace `name` (TERM, up to 5 s, then KILL) and deletes it.
 * Never throws; a namespace that does not exist is fine (idempotent).
 * @example
 * await destroyNamespace("lab-rack");
 */
export async function destroyNamespace(name: string): Promise<void> {
  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    let pids = pidsIn(name);
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {}
    }
    for (let i = 0; i < 50 && pids.length; i++) {
      await Bun.sleep(100);
      pids = pidsIn(name);
    }
  }
  try {
    ip(["netns", "del", name]);
  } catch {}
}

/**
 * @example
 * const lab = createNetnsLab("10.78.0.1/24");
 * lab.addTap("nb-tap0");
 * await lab.destroy();
 */
export function createNetnsLab(cidr: string, options: { prefix?: string; name?: string } = {}): NetnsLab {
  const prefix = options.prefix ?? "nb-";
  const name = options.name ?? `${prefix}${process.pid}-${randomBytes(2).toString("hex")}`;
  const bridge = `${prefix}br0`;
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
    addAddress(extra) {
      ip(["-n", name, "addr", "add", extra, "dev", bridge]);
    },
    destroy: () => destroyNamespace(name),
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
