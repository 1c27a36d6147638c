/**
 * @module machine/image/partition-table
 * The disk's partition table as `sfdisk --json` reports it, in bytes, plus the IPA view of
 * it that `get_partition_uuids` returns (for partition-image deploys through
 * `partition-image-uuids.ts`). An unreadable or absent table is `null`, a value.
 */
import fs from "node:fs";
import type { Exec } from "../../common/exec.ts";
import { partitionImageNodes, readPartitionImageUuids } from "./partition-image-uuids.ts";

export interface Partition {
  number: number;
  node: string;
  startBytes: number;
  sizeBytes: number;
  /** GPT type GUID (upper case) or MBR type hex (`ef`). */
  type: string;
  /** PARTUUID (GPT), or `<disk id>-<nn>` for MBR. */
  uuid: string | null;
  /** GPT partition name. */
  name: string | null;
}

export interface PartitionTable {
  label: "gpt" | "dos";
  id: string | null;
  sizeBytes: number;
  partitions: Partition[];
}

interface SfdiskJson {
  partitiontable?: {
    label?: string;
    id?: string;
    sectorsize?: number;
    lastlba?: number;
    partitions?: Array<{ node: string; start: number; size: number; type: string; uuid?: string; name?: string }>;
  };
}

/**
 * @example
 * const table = await readPartitionTable("/dev/sda", exec); // { label: "gpt", partitions: [...] } or null
 */
export async function readPartitionTable(device: string, exec: Exec): Promise<PartitionTable | null> {
  const r = await exec("sfdisk", ["--json", device], { timeoutMs: 30_000 });
  if (r.failed || !r.stdout.trim()) return null;
  let json: SfdiskJson;
  try {
    json = JSON.parse(r.stdout) as SfdiskJson;
  } catch {
    return null;
  }
  const t = json.partitiontable;
  if (!t || (t.label !== "gpt" && t.label !== "dos")) return null;
  const sector = t.sectorsize ?? 512;
  const id = t.id ?? null;
  const partitions = (t.partitions ?? []).map((p): Partition => {
    const number = Number(/(\d+)$/.exec(p.node)?.[1] ?? 0);
    const mbrId = id?.replace(/^0x/, "");
    return {
      number,
      node: p.node,
      startBytes: p.start * sector,
      sizeBytes: p.size * sector,
      type: p.type.toUpperCase(),
      uuid: p.uuid ?? (t.label === "dos" && mbrId ? `${mbrId}-${String(number).padStart(2, "0")}` : null),
      name: p.name ?? null,
    };
  });
  return { label: t.label, id, sizeBytes: ((t.lastlba ?? 0) + 1) * sector, partitions };
}

const ESP = new Set(["C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "EF"]);
const PREP = new Set(["9E1A2D38-C612-4316-AA26-8B49521E5A8B", "41"]);

/** IPA's `get_disk_identifier`: the MBR disk signature at byte 440, as `0x%08x`. */
export function diskIdentifier(device: string): string | null {
  let fd: number | null = null;
  try {
    fd = fs.openSync(device, "r");
    const b = Buffer.alloc(4);
    if (fs.readSync(fd, b, 0, 4, 440) !== 4) return null;
    return `0x${b.readUInt32LE(0).toString(16).padStart(8, "0")}`;
  } catch {
    return null;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

export interface PartitionUuids {
  "root uuid": string | null;
  "efi system partition uuid": string | null;
  "PReP Boot partition uuid": string | null;
  partitions: Record<string, string>;
}

/**
 * IPA's `standby.get_partition_uuids`. For a partition-image deploy: the root filesystem's
 * UUID, the ESP's, and the partitions by role; for a whole-disk image: the disk identifier.
 * @example
 * await partitionUuids("/dev/sda", exec) // { "root uuid": "0x1a2b3c4d", "efi system partition uuid": "…", ... }
 */
export async function partitionUuids(device: string, exec: Exec): Promise<PartitionUuids> {
  const table = await readPartitionTable(device, exec);
  const parts = table?.partitions ?? [];
  const prepUuid = parts.find((p) => PREP.has(p.type))?.uuid ?? null;
  const deployed = table && (await partitionImageNodes(device, table, exec));
  if (deployed) {
    const uuids = await readPartitionImageUuids(deployed, exec);
    return { ...uuids, "PReP Boot partition uuid": prepUuid, partitions: { ...uuids.partitions } };
  }
  const partitions: Record<string, string> = {};
  const config = parts.find((p) => p.name === "config-2");
  if (config) partitions.configdrive = config.node;
  const esp = parts.find((p) => ESP.has(p.type));
  if (esp) partitions.efi_system_partition = esp.node;
  return {
    "root uuid": diskIdentifier(device),
    "efi system partition uuid": esp?.uuid ?? null,
    "PReP Boot partition uuid": prepUuid,
    partitions,
  };
}
