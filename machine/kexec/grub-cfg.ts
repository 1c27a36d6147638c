/**
 * @module machine/kexec/grub-cfg
 * The default entry of a `grub.cfg`, read the way GRUB would pick it without a keyboard:
 * `set default=` (an index, a title, an id, or `A>B` into a submenu; `${saved_entry}` from
 * `grubenv`; none or unreadable: entry 0), then that menuentry's `linux` and `initrd` lines
 * (and their `linuxefi`/`linux16` spellings), and the file system it searched for
 * (`search --fs-uuid --set=root <uuid>`). Variables set at top level with literal values are
 * expanded in the command line, as GRUB does; unknown ones expand to nothing.
 */
import { stripDevice, words, type BootEntry, type ParsedEntry } from "./boot-entry.ts";

interface MenuItem {
  title: string;
  id: string | null;
  /** Submenus hold items; menuentries hold their body lines. */
  children: MenuItem[] | null;
  body: string[];
}

/** Title and id of a `menuentry`/`submenu` header: `--id X` or `$menuentry_id_option 'X'`. */
function header(ws: string[]): { title: string; id: string | null } {
  const title = ws[1] ?? "";
  let id: string | null = null;
  for (let i = 2; i < ws.length - 1; i++) {
    if (ws[i] === "--id" || ws[i] === "$menuentry_id_option" || ws[i] === "${menuentry_id_option}") id = ws[i + 1]!;
  }
  return { title, id };
}

/** The menu tree and the top-level `set name=value` assignments, in order. */
function parseMenu(text: string): { items: MenuItem[]; sets: Array<[string, string]> } {
  const root: MenuItem[] = [];
  const stack: Array<MenuItem | "block"> = [];
  const sets: Array<[string, string]> = [];
  const current = () => {
    for (let i = stack.length - 1; i >= 0; i--) if (stack[i] !== "block") return stack[i] as MenuItem;
    return null;
  };
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const ws = words(line);
    const opens = line.endsWith("{");
    if ((ws[0] === "menuentry" || ws[0] === "submenu") && opens) {
      const item: MenuItem = { ...header(ws.slice(0, -1)), children: ws[0] === "submenu" ? [] : null, body: [] };
      const parent = current();
      if (!parent) root.push(item);
      else if (parent.children) parent.children.push(item);
      stack.push(item);
      continue;
    }
    if (opens) {
      stack.push("block"); // a function body: not part of the menu
      continue;
    }
    if (line === "}") {
      stack.pop();
      continue;
    }
    const top = current();
    if (top && !top.children && stack.at(-1) === top) top.body.push(line);
    else if (!top && stack.length === 0 && ws[0] === "set" && ws[1]?.includes("=")) {
      const eq = ws[1].indexOf("=");
      sets.push([ws[1].slice(0, eq), ws[1].slice(eq + 1)]);
    }
  }
  return { items: root, sets };
}

/** Expands `$name` and `${name}`; unknown names give "" as in GRUB. */
function expand(s: string, vars: ReadonlyMap<string, string>): string {
  return s.replace(/\$\{([A-Za-z_][\w]*)\}|\$([A-Za-z_][\w]*)/g, (_, a: string | undefined, b: string | undefined) => vars.get((a ?? b)!) ?? "");
}

/** One step of a default: index, id or title, among one menu level. */
function pick(items: readonly MenuItem[], key: string): MenuItem | null {
  if (/^\d+$/.test(key)) return items[Number(key)] ?? null;
  return items.find((i) => i.id === key) ?? items.find((i) => i.title === key) ?? null;
}

/** Walks `A>B>C` (GRUB's submenu path); a path that ends on a submenu takes its first entry. */
function resolveDefault(items: readonly MenuItem[], value: string): MenuItem | null {
  let level = items;
  let found: MenuItem | null = null;
  for (const part of value.split(">")) {
    found = pick(level, part);
    if (!found) return null;
    level = found.children ?? [];
  }
  while (found?.children) found = found.children[0] ?? null;
  return found;
}

/** The first menuentry (depth first) that boots a Linux kernel. */
function firstLinux(items: readonly MenuItem[]): MenuItem | null {
  for (const i of items) {
    const hit = i.children ? firstLinux(i.children) : i.body.some((l) => /^linux(efi|16)?\s/.test(l)) ? i : null;
    if (hit) return hit;
  }
  return null;
}

function entryOf(item: MenuItem, vars: ReadonlyMap<string, string>): BootEntry | null {
  let kernel: string | null = null;
  let cmdline = "";
  let initrds: string[] = [];
  let fsUuid: string | undefined;
  for (const line of item.body) {
    const ws = words(line).map((w) => expand(w, vars));
    if (/^linux(efi|16)?$/.test(ws[0]!) && ws[1]) {
      kernel = stripDevice(ws[1]);
      cmdline = ws.slice(2).filter(Boolean).join(" ");
    } else if (/^initrd(efi|16)?$/.test(ws[0]!)) {
      initrds = ws.slice(1).filter(Boolean).map(stripDevice);
    } else if (ws[0] === "search") {
      // `--set` alone means `--set=root`; grub-mkconfig writes `--set=root`.
      const set = ws.find((w) => w.startsWith("--set"));
      const target = set?.includes("=") ? set.slice(set.indexOf("=") + 1) : "root";
      const byUuid = ws.includes("--fs-uuid") || ws.includes("-u");
      const value = ws.filter((w, i) => i > 0 && !w.startsWith("-")).at(-1);
      if (byUuid && target === "root" && value) fsUuid = value.toLowerCase();
    }
  }
  if (!kernel) return null;
  return { kind: "grub", title: item.title, kernel, initrds, cmdline, ...(fsUuid ? { fsUuid } : {}) };
}

/** Reads a `grubenv` block (`name=value` lines, `#` padding) into a map. */
export function parseGrubenv(text: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (!line.startsWith("#") && eq > 0) env.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return env;
}

/**
 * The entry GRUB boots by default.
 * @example
 * defaultGrubEntry("set default=0\nmenuentry 'OS' {\n linux /vmlinuz root=UUID=1 ro\n initrd /initrd.img\n}\n");
 * // { ok: true, entry: { kind: "grub", title: "OS", kernel: "/vmlinuz", initrds: ["/initrd.img"], cmdline: "root=UUID=1 ro" } }
 */
export function defaultGrubEntry(text: string, grubenv: ReadonlyMap<string, string> = new Map()): ParsedEntry {
  const { items, sets } = parseMenu(text);
  if (!items.length) return { ok: false, reason: "grub.cfg has no menuentry" };
  const vars = new Map(grubenv);
  let wanted: string | null = null;
  for (const [name, value] of sets) {
    const v = expand(value, vars);
    if (name === "default") {
      if (v) wanted = v;
    } else if (!value.includes("$")) vars.set(name, value);
  }
  const chosen = (wanted !== null ? resolveDefault(items, wanted) : null) ?? resolveDefault(items, "0");
  const item = chosen && entryOf(chosen, vars) ? chosen : firstLinux(items);
  const entry = item ? entryOf(item, vars) : null;
  if (!entry) return { ok: false, reason: "grub.cfg's default entry boots no Linux kernel" };
  return { ok: true, entry };
}
