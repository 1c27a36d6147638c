/**
 * @module machine/inventory/system-info
 * The seam around the `systeminformation` package. It shells out to lscpu, dmidecode and
 * /bin/sh, and when one is missing it answers with empty strings, zeros or, for memory, a
 * made-up single bank the size of MemTotal. This wrapper turns every such "empty" answer into
 * `null`, so callers can tell "unknown" from a value and fall back to /sys and /proc.
 */
import si from "systeminformation";

/** What the inventory asks systeminformation; every field is null when it had no answer. */
export interface SystemInfoCpu {
  /** Sockets, from dmidecode or lscpu. */
  sockets: number | null;
  /** Maximum clock in MHz. */
  maxMhz: number | null;
  flags: string[] | null;
}

export interface SystemInfoProbe {
  cpu(): Promise<SystemInfoCpu>;
  /** Sizes in bytes of the populated DMI memory devices, or null when DMI was not read. */
  memoryDevices(): Promise<number[] | null>;
}

/**
 * The real probe.
 * @example
 * const probe = createSystemInfoProbe();
 * const { sockets } = await probe.cpu(); // null when lscpu/dmidecode are missing
 */
export function createSystemInfoProbe(): SystemInfoProbe {
  return {
    async cpu() {
      const [cpu, flags] = await Promise.all([si.cpu(), si.cpuFlags()]);
      return normalizeCpu(cpu, flags);
    },
    async memoryDevices() {
      return normalizeMemLayout(await si.memLayout());
    },
  };
}

/** @internal exported for tests: maps si's zero/empty conventions to null. */
export function normalizeCpu(
  cpu: { processors?: number; speedMax?: number; speed?: number },
  flags: string,
): SystemInfoCpu {
  const mhz = (cpu.speedMax || cpu.speed || 0) * 1000;
  const list = flags.trim() ? flags.trim().split(/\s+/) : null;
  return {
    // si reports 1 socket when it found nothing, so only more than one is evidence.
    sockets: cpu.processors && cpu.processors > 1 ? cpu.processors : null,
    maxMhz: mhz > 0 ? Math.round(mhz) : null,
    flags: list,
  };
}

/**
 * @internal exported for tests. Without dmidecode si returns one bank with no type, bank
 * label or form factor holding the whole of MemTotal: that is not a DMI device, drop it.
 */
export function normalizeMemLayout(
  banks: ReadonlyArray<{ size: number; bank?: string; type?: string; formFactor?: string }>,
): number[] | null {
  const real = banks.filter((b) => b.size > 0 && (b.bank || b.type || b.formFactor));
  return real.length > 0 ? real.map((b) => b.size) : null;
}
