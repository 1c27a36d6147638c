/**
 * @module machine/kexec/partition
 * A partition of the install disk as the kexec code sees it: its identity (number, UUIDs,
 * type) and, while mounted read-only, the directory it is mounted on.
 */

export interface ImagePartition {
  /** `/dev/vda3`. */
  readonly device: string;
  readonly number: number | null;
  /** File system UUID (lsblk UUID), lower case; what `root=UUID=` names. */
  readonly fsUuid: string | null;
  readonly partUuid: string | null;
  /** GPT type GUID or MBR type (`0x83`), lower case. */
  readonly partType: string | null;
  readonly fsType: string | null;
  /** Where it is mounted (read-only), or null when it could not be mounted. */
  readonly dir: string | null;
}

export const ESP_TYPES = new Set(["c12a7328-f81f-11d2-ba4b-00a0c93ec93b", "0xef"]);
export const BIOS_BOOT_TYPE = "21686148-6449-6e6f-744e-656564454649";
