/**
 * @module machine/kexec/extlinux
 * The default entry of an `extlinux.conf` (or `syslinux.cfg`): `DEFAULT <label>` or the label
 * with `MENU DEFAULT`, else the first label; its `KERNEL`/`LINUX`, `INITRD` (comma-separated)
 * and `APPEND`. Keywords are case-insensitive, as in syslinux.
 */
import type { BootEntry, ParsedEntry } from "./boot-entry.ts";

interface Label {
  name: string;
  kernel: string | null;
  initrds: string[];
  append: string;
  menuDefault: boolean;
}

const abs = (p: string) => (p.startsWith("/") ? p : `/${p}`);

/**
 * @example
 * defaultExtlinuxEntry("DEFAULT os\nLABEL os\n  KERNEL /vmlinuz\n  INITRD /initrd.img\n  APPEND root=UUID=1 ro\n");
 * // { ok: true, entry: { kind: "extlinux", title: "os", kernel: "/vmlinuz", initrds: ["/initrd.img"], cmdline: "root=UUID=1 ro" } }
 */
export function defaultExtlinuxEntry(text: string): ParsedEntry {
  const labels: Label[] = [];
  let wanted: string | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^(\S+)\s*(.*)$/.exec(line)!;
    const key = m[1]!.toLowerCase();
    const value = m[2]!.trim();
    const cur = labels.at(-1);
    if (key === "default") wanted = value.split(/\s+/)[0] ?? null;
    else if (key === "label") labels.push({ name: value, kernel: null, initrds: [], append: "", menuDefault: false });
    else if (!cur) continue;
    else if (key === "kernel" || key === "linux") cur.kernel = abs(value.split(/\s+/)[0]!);
    else if (key === "initrd") cur.initrds = value.split(",").map((s) => s.trim()).filter(Boolean).map(abs);
    else if (key === "append") cur.append = value;
    else if (key === "menu" && /^default$/i.test(value)) cur.menuDefault = true;
  }
  const chosen = labels.find((l) => l.name === wanted) ?? labels.find((l) => l.menuDefault) ?? labels[0];
  if (!chosen) return { ok: false, reason: "extlinux.conf has no LABEL" };
  if (!chosen.kernel) return { ok: false, reason: `extlinux.conf's default label ${chosen.name} names no kernel` };
  // An initrd= in APPEND is syslinux's other spelling of INITRD.
  const words = chosen.append.split(/\s+/).filter(Boolean);
  const inAppend = words.filter((w) => w.startsWith("initrd=")).flatMap((w) => w.slice(7).split(",")).map(abs);
  const entry: BootEntry = {
    kind: "extlinux",
    title: chosen.name,
    kernel: chosen.kernel,
    initrds: chosen.initrds.length ? chosen.initrds : inAppend,
    cmdline: words.filter((w) => !w.startsWith("initrd=")).join(" "),
  };
  return { ok: true, entry };
}
