import { describe, expect, test } from "bun:test";
import { ARM_BOARD, SERVER_A } from "./fixtures.ts";
import { collectMemory, parseMemTotal, parseMemoryDeviceMib } from "./memory.ts";
import { createHostFs } from "../host-fs.ts";
import { normalizeMemLayout, type SystemInfoProbe } from "./system-info.ts";
import { captureLogger } from "./test-support.ts";

/** A minimal SMBIOS type-17 record with the given Size word and Extended Size dword. */
function type17(size: number, extended = 0): Uint8Array {
  const raw = new Uint8Array(0x28);
  const view = new DataView(raw.buffer);
  raw[0] = 17;
  raw[1] = 0x28;
  view.setUint16(0x0c, size, true);
  view.setUint32(0x1c, extended, true);
  return raw;
}

describe("parseMemoryDeviceMib", () => {
  test("reads MiB, KiB (bit 15), extended size and empty/unknown slots", () => {
    expect(parseMemoryDeviceMib(type17(0x4000))).toBe(16384);
    expect(parseMemoryDeviceMib(type17(0x8000 | 512))).toBe(0.5);
    expect(parseMemoryDeviceMib(type17(0x7fff, 65536))).toBe(65536);
    expect(parseMemoryDeviceMib(type17(0))).toBe(0);
    expect(parseMemoryDeviceMib(type17(0xffff))).toBeNull();
    const notType17 = type17(0x4000);
    notType17[0] = 4;
    expect(parseMemoryDeviceMib(notType17)).toBeNull();
  });
});

describe("collectMemory", () => {
  test("total is MemTotal in bytes; physical_mb sums the DMI memory devices", async () => {
    const memory = await collectMemory({ fs: createHostFs(SERVER_A), logger: captureLogger().logger, systemInfo: null });
    expect(memory).toEqual({ total: 65657652 * 1024, physical_mb: 16384 + 32768 });
  });

  test("without DMI, uses systeminformation's banks when they are real", async () => {
    const probe: SystemInfoProbe = {
      cpu: async () => ({ sockets: null, maxMhz: null, flags: null }),
      memoryDevices: async () => [8 * 1024 ** 3],
    };
    const memory = await collectMemory({ fs: createHostFs(ARM_BOARD), logger: captureLogger().logger, systemInfo: probe });
    expect(memory.physical_mb).toBe(8192);
  });

  test("without any DMI source, physical_mb is MemTotal rounded to MiB and a warning says so", async () => {
    const log = captureLogger();
    const probe: SystemInfoProbe = { cpu: async () => ({ sockets: null, maxMhz: null, flags: null }), memoryDevices: async () => null };
    const memory = await collectMemory({ fs: createHostFs(ARM_BOARD), logger: log.logger, systemInfo: probe });
    expect(memory).toEqual({ total: 8000000 * 1024, physical_mb: Math.round(8000000 / 1024) });
    expect(log.warnings().some((w) => w.includes("no DMI memory devices"))).toBe(true);
  });

  test("fails (for the orchestrator to degrade) when /proc/meminfo is unreadable", async () => {
    await expect(collectMemory({ fs: createHostFs("/nonexistent"), logger: captureLogger().logger, systemInfo: null })).rejects.toThrow(
      "MemTotal",
    );
  });
});

test("parseMemTotal", () => {
  expect(parseMemTotal("MemTotal:       1024 kB\n")).toBe(1024 * 1024);
  expect(parseMemTotal("MemFree: 1 kB")).toBeNull();
});

test("normalizeMemLayout drops systeminformation's made-up bank (dmidecode missing)", () => {
  // What si.memLayout() returns without dmidecode: one anonymous bank the size of MemTotal.
  expect(normalizeMemLayout([{ size: 25276502016, bank: "", type: "", formFactor: "" }])).toBeNull();
  expect(normalizeMemLayout([{ size: 8589934592, bank: "DIMM A1", type: "DDR4", formFactor: "DIMM" }])).toEqual([8589934592]);
  expect(normalizeMemLayout([])).toBeNull();
});
