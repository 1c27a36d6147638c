/**
 * @module conductor/boot/hosts-dir
 * dnsmasq's `dhcp-hostsdir`: one file per known MAC. dnsmasq reads new and changed files by
 * itself (inotify), but keeps a removed file's host until SIGHUP, so `sync` says whether
 * anything was removed and the caller signals dnsmasq only then.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { hostEntry } from "./dnsmasq-config.ts";

export interface HostsSync {
  added: string[];
  removed: string[];
}

export interface HostsDir {
  /** Makes the directory hold exactly `macs` (store form). Never throws for one bad file. */
  sync(macs: Iterable<string>): HostsSync;
  /** The MACs the directory names now. */
  list(): string[];
}

const fileName = (mac: string) => mac.replaceAll(":", "-");
const macOf = (name: string) => (/^([0-9a-f]{2}-){5}[0-9a-f]{2}$/.test(name) ? name.replaceAll("-", ":") : null);

/**
 * @example
 * const hosts = createHostsDir("/var/lib/teeth/boot/dhcp-hosts");
 * if (hosts.sync(["52:54:00:12:34:56"]).removed.length) dnsmasq.reload();
 */
export function createHostsDir(dir: string): HostsDir {
  // Written next to the directory and renamed in, so dnsmasq never reads half a file.
  const staging = join(dirname(dir), ".dhcp-hosts.tmp");
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const list = () => readdirSync(dir).map(macOf).filter((m): m is string => m !== null);
  return {
    list,
    sync(macs) {
      const want = new Set(macs);
      const out: HostsSync = { added: [], removed: [] };
      for (const name of readdirSync(dir)) {
        const mac = macOf(name);
        if (mac && want.has(mac)) continue;
        rmSync(join(dir, name), { force: true });
        if (mac) out.removed.push(mac);
      }
      for (const mac of want) {
        const path = join(dir, fileName(mac));
        const entry = hostEntry(mac);
        let current: string | null = null;
        try {
          current = readFileSync(path, "utf8");
        } catch {}
        if (current === entry) continue;
        writeFileSync(staging, entry, { mode: 0o644 });
        renameSync(staging, path);
        out.added.push(mac);
      }
      return out;
    },
  };
}
