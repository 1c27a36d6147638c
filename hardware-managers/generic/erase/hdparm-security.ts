/**
 * @module hardware-managers/generic/erase/hdparm-security
 * Parses the Security section of `hdparm -I`, which drives the ATA secure-erase state machine.
 */

/** ATA security state, as the drive reports it. */
export interface AtaSecurity {
  supported: boolean;
  enabled: boolean;
  locked: boolean;
  frozen: boolean;
  /** The "security count" expired: the drive refuses unlock attempts until power-cycled. */
  expired: boolean;
  enhancedEraseSupported: boolean;
  /** hdparm's time estimates, e.g. "24min for SECURITY ERASE UNIT...", for the report. */
  estimate: string | null;
}

/**
 * Reads the Security section; `null` when there is none (not an ATA drive, or hdparm could
 * not talk to it, e.g. loop, virtio or SAS devices).
 * @example
 * const sec = parseHdparmSecurity((await exec("hdparm", ["-I", "/dev/sda"])).stdout);
 * if (sec?.frozen) refuse("frozen");
 */
export function parseHdparmSecurity(text: string): AtaSecurity | null {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => /^Security:\s*$/.test(l.trimEnd()));
  if (start < 0) return null;
  // The section runs until the next unindented line ("Checksum:", "Logical Unit WWN...").
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.length > 0 && !/^\s/.test(line)) break;
    const norm = line.trim().replace(/\s+/g, " ");
    if (norm) body.push(norm);
  }
  // Each flag is printed as "<name>" or "not <name>" (hdparm separates them with a tab);
  // "supported: enhanced erase" is a different line from "supported".
  const flag = (name: string): boolean => body.includes(name);
  const enhanced = body.find((l) => l.endsWith("supported: enhanced erase"));
  return {
    supported: flag("supported"),
    enabled: flag("enabled"),
    locked: flag("locked"),
    frozen: flag("frozen"),
    expired: body.some((l) => l.startsWith("expired:")),
    enhancedEraseSupported: enhanced !== undefined && !enhanced.startsWith("not "),
    estimate: body.find((l) => /for SECURITY ERASE UNIT/.test(l)) ?? null,
  };
}
