/**
 * @module machine/inventory/test-support
 * Test doubles shared by the inventory tests: a logger that keeps its records and an Exec
 * that answers from a table, so tests can say "lsblk is missing" without touching PATH.
 */
import type { Disk } from "../../protocol/inventory.ts";
import pino from "pino";
import type { Exec, ExecResult } from "../../common/exec.ts";
import type { Logger } from "../../common/logger.ts";

export interface CapturedLogger {
  logger: Logger;
  records: Array<{ level: number; msg: string } & Record<string, unknown>>;
  warnings(): string[];
}

/** A debug-level logger whose records are kept in memory. */
export function captureLogger(): CapturedLogger {
  const records: CapturedLogger["records"] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void records.push(JSON.parse(line)) });
  return { logger, records, warnings: () => records.filter((r) => r.level === 40).map((r) => r.msg) };
}

export type FakeAnswer = Partial<ExecResult> | ((args: readonly string[]) => Partial<ExecResult>);

/**
 * An Exec answering by program name; programs not in the table fail as if not installed
 * (ENOENT: no exit code), which is what execa reports for a missing binary.
 */
export function fakeExec(table: Record<string, FakeAnswer> = {}): Exec & { calls: string[] } {
  const calls: string[] = [];
  const exec = async (file: string, args: readonly string[]): Promise<ExecResult> => {
    const command = [file, ...args].join(" ");
    calls.push(command);
    const entry = table[file];
    if (!entry) return { command, exitCode: null, stdout: "", stderr: `spawn ${file} ENOENT`, failed: true, timedOut: false };
    const answer = typeof entry === "function" ? entry(args) : entry;
    return { command, exitCode: 0, stdout: "", stderr: "", failed: false, timedOut: false, ...answer };
  };
  return Object.assign(exec, { calls });
}

export const GIB = 1024 ** 3;

/** A disk as the inventory reports it, every identifier unknown unless given. */
export function testDisk(name: string, sizeGib: number, extra: Partial<Disk> = {}): Disk {
  return {
    name,
    model: null,
    size: sizeGib * GIB,
    rotational: false,
    wwn: null,
    serial: null,
    vendor: null,
    wwn_with_extension: null,
    wwn_vendor_extension: null,
    hctl: null,
    by_path: null,
    logical_sectors: 512,
    physical_sectors: 512,
    tran: null,
    ...extra,
  };
}
