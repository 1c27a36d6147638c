/**
 * @module bench/lab-deploy/config-drive
 * The config drive every benchmark deploy carries, as a tenant's would: a small VFAT file
 * system labelled `config-2` holding `openstack/latest/meta_data.json` (made with
 * dosfstools and mtools, no mount), gzip+base64 as Ironic sends it. With it, a pre-staged
 * deploy still has something of its own to write, as the issue says: only the config drive.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

function run(argv: string[]): void {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr.toString().trim()}`);
}

/**
 * @example
 * const drive = makeConfigDrive("server-1"); // drive.bytes === 2 MiB, drive.text "H4sI..."
 */
export function makeConfigDrive(hostname: string, sizeKiB = 2048): { text: string; bytes: number } {
  const dir = mkdtempSync(join(tmpdir(), "bn-configdrive-"));
  try {
    const img = join(dir, "config-2.img");
    const meta = join(dir, "meta_data.json");
    writeFileSync(meta, JSON.stringify({ uuid: crypto.randomUUID(), hostname, name: hostname, launch_index: 0, availability_zone: "lab" }));
    run(["mkfs.vfat", "-n", "config-2", "-C", img, String(sizeKiB)]);
    run(["mmd", "-i", img, "::openstack", "::openstack/latest"]);
    run(["mcopy", "-i", img, meta, "::openstack/latest/meta_data.json"]);
    const raw = readFileSync(img);
    return { text: gzipSync(raw).toString("base64"), bytes: raw.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
