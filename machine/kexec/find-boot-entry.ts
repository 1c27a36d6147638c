/**
 * @module machine/kexec/find-boot-entry
 * Finds the deployed OS's default boot entry on the install disk's partitions (each mounted
 * read-only on a directory) and resolves its kernel and initramfs to files: BLS entries
 * first, then grub.cfg, then extlinux.conf, on every partition (root, /boot, the ESP). An
 * entry whose kernel file is not there is passed over for the next; paths and symbolic links
 * are resolved inside the partition only, never on the RAM disk's own tree.
 */
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import path from "node:path";
import type { BootConfigKind, BootEntry, ParsedEntry } from "./boot-entry.ts";
import { defaultBlsEntry } from "./bls.ts";
import { defaultExtlinuxEntry } from "./extlinux.ts";
import { defaultGrubEntry, parseGrubenv } from "./grub-cfg.ts";
import type { ImagePartition } from "./partition.ts";

/** A boot entry with its files found. */
export interface FoundEntry {
  readonly entry: BootEntry;
  /** Which partition and file held the config (`/boot/grub/grub.cfg`). */
  readonly config: { partition: ImagePartition; file: string };
  readonly kernel: { partition: ImagePartition; file: string; hostPath: string };
  readonly initrd: { partition: ImagePartition; file: string; hostPath: string } | null;
}

export type FindResult = { ok: true; found: FoundEntry } | { ok: false; reasons: string[] };

const GRUB_CFGS = ["/boot/grub/grub.cfg", "/grub/grub.cfg", "/boot/grub2/grub.cfg", "/grub2/grub.cfg"];
const EXTLINUX = ["/boot/extlinux/extlinux.conf", "/extlinux/extlinux.conf", "/extlinux.conf", "/boot/syslinux/syslinux.cfg", "/syslinux/syslinux.cfg"];

/**
 * The host path of `p` inside `dir`, following symbolic links as if `dir` were `/`
 * (an absolute link target is taken inside `dir`); null when it does not name a regular file.
 */
export async function resolveInside(dir: string, p: string, hops = 0): Promise<string | null> {
  const parts = p.split("/").filter((s) => s && s !== ".");
  let cur = "/";
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === "..") {
      cur = path.posix.dirname(cur);
      continue;
    }
    const next = path.posix.join(cur, part);
    let st;
    try {
      st = await lstat(path.join(dir, next));
    } catch {
      return null;
    }
    if (st.isSymbolicLink()) {
      if (hops >= 40) return null;
      const target = await readlink(path.join(dir, next));
      const rest = parts.slice(i + 1).join("/");
      const joined = target.startsWith("/") ? target : path.posix.join(cur, target);
      return resolveInside(dir, rest ? `${joined}/${rest}` : joined, hops + 1);
    }
    cur = next;
  }
  try {
    return (await lstat(path.join(dir, cur))).isFile() ? path.join(dir, cur) : null;
  } catch {
    return null;
  }
}

async function readInside(dir: string, p: string): Promise<string | null> {
  const host = await resolveInside(dir, p);
  return host ? readFile(host, "utf8").catch(() => null) : null;
}

/** The configs of one kind on one partition, each parsed to its default entry. */
async function configsOn(kind: BootConfigKind, dir: string): Promise<Array<{ file: string; parsed: ParsedEntry }>> {
  const out: Array<{ file: string; parsed: ParsedEntry }> = [];
  if (kind === "bls") {
    for (const d of ["/loader/entries", "/boot/loader/entries"]) {
      const names = await readdir(path.join(dir, d)).catch(() => [] as string[]);
      const files = [];
      for (const name of names.filter((n) => n.endsWith(".conf"))) {
        const text = await readInside(dir, `${d}/${name}`);
        if (text !== null) files.push({ name, text });
      }
      if (files.length) out.push({ file: d, parsed: defaultBlsEntry(files) });
    }
  } else if (kind === "grub") {
    const efi = await readdir(path.join(dir, "EFI")).catch(() => [] as string[]);
    for (const file of [...GRUB_CFGS, ...efi.map((v) => `/EFI/${v}/grub.cfg`)]) {
      const text = await readInside(dir, file);
      if (text === null) continue;
      const env = await readInside(dir, path.posix.join(path.posix.dirname(file), "grubenv"));
      out.push({ file, parsed: defaultGrubEntry(text, env ? parseGrubenv(env) : undefined) });
    }
  } else {
    for (const file of EXTLINUX) {
      const text = await readInside(dir, file);
      if (text !== null) out.push({ file, parsed: defaultExtlinuxEntry(text) });
    }
  }
  return out;
}

/** Where to look for an entry's files: grub's searched file system first, then the config's own partition, then the rest. */
function candidates(entry: BootEntry, own: ImagePartition, all: readonly ImagePartition[]): ImagePartition[] {
  const searched = entry.fsUuid ? all.filter((p) => p.fsUuid === entry.fsUuid) : [];
  return [...new Set([...searched, own, ...all])].filter((p) => p.dir !== null);
}

async function locate(file: string, where: readonly ImagePartition[]): Promise<{ partition: ImagePartition; file: string; hostPath: string } | null> {
  for (const partition of where) {
    const hostPath = await resolveInside(partition.dir!, file);
    if (hostPath) return { partition, file, hostPath };
  }
  return null;
}

/**
 * @example
 * const r = await findBootEntry(partitions); // partitions mounted read-only
 * if (r.ok) r.found.kernel.hostPath; // "/tmp/teeth-kexec-x/p3/boot/vmlinuz-6.1.0-28-cloud-amd64"
 */
export async function findBootEntry(partitions: readonly ImagePartition[]): Promise<FindResult> {
  const reasons: string[] = [];
  const mounted = partitions.filter((p) => p.dir !== null);
  if (!mounted.length) return { ok: false, reasons: ["no partition of the install disk has a file system that could be mounted"] };
  for (const kind of ["bls", "grub", "extlinux"] as const) {
    for (const partition of mounted) {
      for (const { file, parsed } of await configsOn(kind, partition.dir!)) {
        const at = `${file} on ${partition.device}`;
        if (!parsed.ok) {
          reasons.push(`${at}: ${parsed.reason}`);
          continue;
        }
        const where = candidates(parsed.entry, partition, partitions);
        const kernel = await locate(parsed.entry.kernel, where);
        if (!kernel) {
          reasons.push(`${at}: kernel ${parsed.entry.kernel} not found`);
          continue;
        }
        const first = parsed.entry.initrds[0];
        const initrd = first ? await locate(first, [kernel.partition, ...where]) : null;
        if (first && !initrd) {
          reasons.push(`${at}: initramfs ${first} not found`);
          continue;
        }
        return { ok: true, found: { entry: parsed.entry, config: { partition, file }, kernel, initrd } };
      }
    }
  }
  if (!reasons.length) reasons.push("no BLS entry, grub.cfg or extlinux.conf on any partition");
  return { ok: false, reasons };
}
