/**
 * @module machine/kexec/testing/fake-disk
 * A fake install disk for kexec tests: an exec whose `lsblk` lists the partitions given and
 * whose `mount` fills the target directory with that partition's files (and `umount` empties
 * it), plus a memory host-fs with the partitions' numbers, the MBR and the SecureBoot variable.
 * Every call is recorded, so a test can check that each mount was unmounted.
 */
import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Exec, ExecResult } from "../../../common/exec.ts";
import { createMemoryHostFs } from "../../testing/memory-host-fs.ts";

export interface FakePartition {
  number: number;
  fstype: string | null;
  uuid: string | null;
  parttype?: string;
  /** Path -> content; a content starting with "->" makes a symbolic link to the rest. */
  files?: Record<string, string>;
}

export interface FakeDisk {
  exec: Exec;
  fs: ReturnType<typeof createMemoryHostFs>;
  calls: string[][];
  /** Targets mounted and not unmounted yet. */
  mounted: Set<string>;
}

const ok = (command: string, stdout = ""): ExecResult => ({ command, exitCode: 0, stdout, stderr: "", failed: false, timedOut: false });
const fail = (command: string, stderr: string): ExecResult => ({ command, exitCode: 1, stdout: "", stderr, failed: true, timedOut: false });

/**
 * @example
 * const disk = fakeDisk([{ number: 1, fstype: "ext4", uuid: "u1", files: { "/boot/vmlinuz": "k" } }]);
 */
export function fakeDisk(parts: FakePartition[], o: { secureBoot?: boolean; mbrCode?: boolean; kexecFails?: string } = {}): FakeDisk {
  const calls: string[][] = [];
  const mounted = new Set<string>();
  const dev = (n: number) => `/dev/vda${n}`;
  const fsFiles: Record<string, string | Uint8Array> = { "/dev/vda": new Uint8Array(1024).fill(o.mbrCode ? 0xeb : 0, 0, 440) };
  for (const p of parts) fsFiles[`/sys/class/block/vda${p.number}/partition`] = `${p.number}\n`;
  if (o.secureBoot !== undefined) fsFiles["/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"] = new Uint8Array([6, 0, 0, 0, o.secureBoot ? 1 : 0]);
  const exec: Exec = async (file, args) => {
    calls.push([file, ...args]);
    const command = [file, ...args].join(" ");
    if (file === "lsblk") {
      const children = parts.map((p) => ({ path: dev(p.number), type: "part", parttype: p.parttype ?? "0fc63daf-8483-4772-8e79-3d69d8477de4", partuuid: `pu-${p.number}`, uuid: p.uuid, fstype: p.fstype }));
      return ok(command, JSON.stringify({ blockdevices: [{ path: "/dev/vda", type: "disk", children }] }));
    }
    if (file === "blkid") {
      // Only the partition entry, as blkid -p prints it; the file system fields come from lsblk here.
      const p = parts.find((x) => dev(x.number) === args.at(-1));
      return p ? ok(command, `DEVNAME=${dev(p.number)}\nPART_ENTRY_NUMBER=${p.number}\n`) : fail(command, "");
    }
    if (file === "mount") {
      const device = args.at(-2)!;
      const target = args.at(-1)!;
      if (!args.includes("-o") || !args[args.indexOf("-o") + 1]!.split(",").includes("ro")) return fail(command, "test: mounts must be read-only");
      const p = parts.find((x) => dev(x.number) === device);
      if (!p) return fail(command, "no such device");
      for (const [path, content] of Object.entries(p.files ?? {})) {
        const host = join(target, path);
        mkdirSync(dirname(host), { recursive: true });
        if (content.startsWith("->")) symlinkSync(content.slice(2), host);
        else writeFileSync(host, content);
      }
      mounted.add(target);
      return ok(command);
    }
    if (file === "umount") {
      const target = args.at(-1)!;
      for (const name of readdirSync(target)) rmSync(join(target, name), { recursive: true, force: true });
      mounted.delete(target);
      return ok(command);
    }
    if (file === "kexec" && o.kexecFails) return fail(command, o.kexecFails);
    return ok(command);
  };
  return { exec, fs: createMemoryHostFs(fsFiles), calls, mounted };
}
