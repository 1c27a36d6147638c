/**
 * @module machine/kexec/boot-entry
 * What a boot loader's configuration says to boot: a kernel, its initramfs and its command
 * line, as the BLS, grub.cfg and extlinux.conf readers give it. Paths are as the config
 * writes them (relative to the file system the loader reads them from), not resolved.
 */

/** Which configuration an entry came from. */
export type BootConfigKind = "bls" | "grub" | "extlinux";

export interface BootEntry {
  readonly kind: BootConfigKind;
  /** The entry's title (BLS `title`, grub's menuentry title, extlinux's label). */
  readonly title: string;
  /** Kernel path as written, with any grub device prefix like `($root)` removed. */
  readonly kernel: string;
  /** Initramfs paths as written (BLS and grub allow several; kexec takes the first). */
  readonly initrds: readonly string[];
  readonly cmdline: string;
  /** The file system grub searched for (`search --fs-uuid --set=root <uuid>`), lower case. */
  readonly fsUuid?: string;
}

/** A parse result: the default entry, or why there is none. */
export type ParsedEntry = { ok: true; entry: BootEntry } | { ok: false; reason: string };

/**
 * Splits a config line into words, honouring single and double quotes as grub and BLS do.
 * @example
 * words(`menuentry 'Debian GNU/Linux' --class debian {`); // ["menuentry", "Debian GNU/Linux", "--class", "debian", "{"]
 */
export function words(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote: string | null = null;
  let any = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      any = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[++i];
      any = true;
    } else if (/\s/.test(c)) {
      if (cur || any) out.push(cur);
      cur = "";
      any = false;
    } else {
      cur += c;
      any = true;
    }
  }
  if (cur || any) out.push(cur);
  return out;
}

/** A path without grub's device part: `($root)/boot/vmlinuz` and `(hd0,gpt2)/vmlinuz` lose the parenthesis. */
export function stripDevice(path: string): string {
  const m = /^\([^)]*\)(.*)$/.exec(path);
  const rest = m ? m[1]! : path;
  return rest.startsWith("/") ? rest : `/${rest}`;
}
