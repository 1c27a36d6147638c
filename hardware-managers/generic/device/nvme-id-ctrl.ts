/**
 * @module hardware-managers/generic/device/nvme-id-ctrl
 * Reads the fields of `nvme id-ctrl -o json` that erase and firmware update depend on.
 */

/** What an NVMe controller can do, from Identify Controller. */
export interface NvmeController {
  serial: string;
  model: string;
  firmware: string;
  /** OACS bit 1: the controller supports the Format NVM command. */
  formatSupported: boolean;
  /** FNA bit 2: cryptographic erase is supported as part of a format (`-s 2`). */
  cryptoEraseSupported: boolean;
  /** FRMW bit 0: firmware slot 1 is read-only. */
  slot1ReadOnly: boolean;
  /** FRMW bits 3:1: number of firmware slots. */
  firmwareSlots: number;
  /** FRMW bit 4: a committed image can be activated without a reset (commit action 3). */
  activateWithoutReset: boolean;
}

/**
 * Parses `nvme id-ctrl -o json` output; `null` when it is not that JSON.
 * @example
 * const c = parseNvmeIdCtrl((await exec("nvme", ["id-ctrl", dev, "-o", "json"])).stdout);
 * const mode = c?.cryptoEraseSupported ? "2" : "1";
 */
export function parseNvmeIdCtrl(text: string): NvmeController | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== "object" || raw === null) return null;
  const o = raw as Record<string, unknown>;
  const num = (k: string): number => (typeof o[k] === "number" ? (o[k] as number) : 0);
  const str = (k: string): string => (typeof o[k] === "string" ? (o[k] as string).trim() : "");
  if (typeof o.oacs !== "number") return null;
  const frmw = num("frmw");
  return {
    serial: str("sn"),
    model: str("mn"),
    firmware: str("fr"),
    formatSupported: (num("oacs") & 0b10) !== 0,
    cryptoEraseSupported: (num("fna") & 0b100) !== 0,
    slot1ReadOnly: (frmw & 0b1) !== 0,
    firmwareSlots: (frmw >> 1) & 0b111,
    activateWithoutReset: (frmw & 0b10000) !== 0,
  };
}
