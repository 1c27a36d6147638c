/**
 * @module machine/kexec/bls
 * Boot Loader Specification type #1 entries (`/loader/entries/*.conf`): `title`, `version`,
 * `linux`, `initrd` (repeatable), `options` (repeatable, joined). The default is the one
 * systemd-boot would pick without a saved choice: entries sorted by `sort-key`, then
 * `version` (newest first), then file name, as the specification orders them.
 */
import { words, type BootEntry, type ParsedEntry } from "./boot-entry.ts";

interface BlsFile {
  name: string;
  text: string;
}

/** Parses one entry; null when it names no Linux kernel (e.g. an `efi` entry). */
export function parseBlsEntry(text: string, fileName = ""): (BootEntry & { version: string; sortKey: string; file: string }) | null {
  let title = "";
  let version = "";
  let sortKey = "";
  let linux = "";
  const initrds: string[] = [];
  const options: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === "title") title = value.trim();
    else if (key === "version") version = value.trim();
    else if (key === "sort-key") sortKey = value.trim();
    else if (key === "linux") linux = value.trim();
    else if (key === "initrd") initrds.push(...words(value));
    else if (key === "options") options.push(value.trim());
  }
  if (!linux) return null;
  return { kind: "bls", title: title || fileName, kernel: linux.startsWith("/") ? linux : `/${linux}`, initrds: initrds.map((p) => (p.startsWith("/") ? p : `/${p}`)), cmdline: options.join(" "), version, sortKey, file: fileName };
}

/** Version order, newest first: runs of digits compare as numbers ("6.1.0-10" after "6.1.0-9"). */
function compareVersions(a: string, b: string): number {
  return b.localeCompare(a, "en", { numeric: true });
}

/**
 * The entry to boot from a directory of entry files.
 * @example
 * defaultBlsEntry([{ name: "os.conf", text: "title OS\nlinux /vmlinuz\noptions root=UUID=1 ro\n" }]);
 * // { ok: true, entry: { kind: "bls", title: "OS", kernel: "/vmlinuz", initrds: [], cmdline: "root=UUID=1 ro" } }
 */
export function defaultBlsEntry(files: readonly BlsFile[]): ParsedEntry {
  const entries = files.filter((f) => f.name.endsWith(".conf")).flatMap((f) => parseBlsEntry(f.text, f.name) ?? []);
  if (!entries.length) return { ok: false, reason: "no BLS entry names a Linux kernel" };
  entries.sort((a, b) => {
    if (a.sortKey !== b.sortKey) return a.sortKey && b.sortKey ? a.sortKey.localeCompare(b.sortKey) : a.sortKey ? -1 : 1;
    return compareVersions(a.version, b.version) || compareVersions(a.file, b.file);
  });
  const { version: _v, sortKey: _s, file: _f, ...entry } = entries[0]!;
  return { ok: true, entry };
}
