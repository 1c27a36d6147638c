/**
 * @module machine/image/partition-image-uuids
 * What IPA reports for a disk deployed from a partition image: which partition is which,
 * and the UUIDs of the root filesystem and the ESP. IPA keeps that in memory after
 * `prepare_image`; Teeth reads it back from the disk, so `get_partition_uuids` answers after
 * an agent restart too. A GPT disk is recognised by the partition names Teeth gives (every
 * one of them, root last); an msdos disk, which has no names, by what Teeth's layout leaves:
 * no boot code in the MBR, the first partition at 1 MiB, a Linux root partition last.
 */
import fs from "node:fs";
import type { Exec } from "../../common/exec.ts";
import { PARTITION_NAMES, type PartitionRole } from "./partition-layout.ts";
import { blockUuid, probeBlock } from "./partition-nodes.ts";
import type { PartitionTable } from "./partition-table.ts";

/** Device nodes by IPA role, e.g. `{ root: "/dev/sda4", swap: "/dev/sda2" }`. */
export type PartitionNodes = Partial<Record<PartitionRole, string>>;

/** What IPA's `work_on_disk` returns (and `get_partition_uuids` reports). */
export interface PartitionImageUuids {
  "root uuid": string | null;
  "efi system partition uuid": string | null;
  partitions: PartitionNodes;
}

const ROLE_BY_NAME = new Map(Object.entries(PARTITION_NAMES).map(([role, name]) => [name, role as PartitionRole]));
const BOOT_CODE_BYTES = 440;

/** True when the MBR's boot code area is all zeros (as sfdisk leaves it on a cleared disk). */
function noBootCode(device: string): boolean {
  let fd: number | null = null;
  try {
    fd = fs.openSync(device, "r");
    const code = Buffer.alloc(BOOT_CODE_BYTES);
    return fs.readSync(fd, code, 0, code.length, 0) === code.length && code.every((b) => b === 0);
  } catch {
    return false;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/**
 * The partitions of a partition-image deploy by role, or null when `table` is not one.
 * @example
 * await partitionImageNodes("/dev/sda", table, exec) // { "efi system partition": "/dev/sda1", root: "/dev/sda3" } or null
 */
export async function partitionImageNodes(device: string, table: PartitionTable, exec: Exec): Promise<PartitionNodes | null> {
  const parts = [...table.partitions].sort((a, b) => a.number - b.number);
  const last = parts.at(-1);
  if (!last) return null;
  const nodes: PartitionNodes = {};
  if (table.label === "gpt") {
    if (last.name !== PARTITION_NAMES.root || !parts.every((p) => ROLE_BY_NAME.has(p.name ?? ""))) return null;
    for (const p of parts) nodes[ROLE_BY_NAME.get(p.name!)!] = p.node;
    return nodes;
  }
  if (last.type !== "83" || parts[0]!.startBytes !== 1 << 20 || !noBootCode(device)) return null;
  nodes.root = last.node;
  for (const p of parts.slice(0, -1)) {
    if (p.type === "EF") nodes["efi system partition"] = p.node;
    else if (p.type === "82") nodes.swap = p.node;
    else if ((await probeBlock(p.node, exec)).get("LABEL")?.toLowerCase() === PARTITION_NAMES.configdrive) nodes.configdrive = p.node;
    else nodes.ephemeral = p.node;
  }
  return nodes;
}

/**
 * IPA's result for a partition image: the root filesystem's UUID (else its PARTUUID), the
 * ESP's, and the partition map.
 * @example
 * await readPartitionImageUuids(disk.nodes, exec) // { "root uuid": "…", "efi system partition uuid": "…", partitions: {…} }
 */
export async function readPartitionImageUuids(nodes: PartitionNodes, exec: Exec): Promise<PartitionImageUuids> {
  const esp = nodes["efi system partition"];
  return {
    "root uuid": nodes.root ? await blockUuid(nodes.root, exec) : null,
    "efi system partition uuid": esp ? await blockUuid(esp, exec) : null,
    partitions: { ...nodes },
  };
}
