import { describe, expect, test } from "bun:test";
import { collectCpu, countCpuList, parseCpuinfo } from "./cpu.ts";
import { ARM_BOARD, SERVER_A } from "./fixtures.ts";
import { createHostFs } from "../host-fs.ts";
import type { SystemInfoProbe } from "./system-info.ts";
import { captureLogger, fakeExec } from "./test-support.ts";

describe("collectCpu", () => {
  test("reads model, max frequency, logical count, sockets and flags from /proc and /sys", async () => {
    const { logger } = captureLogger();
    const exec = fakeExec();
    const cpu = await collectCpu({ fs: createHostFs(SERVER_A), exec, logger, systemInfo: null });
    expect(cpu).toEqual({
      model_name: "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz",
      frequency: "3700.0000",
      count: 4,
      architecture: "x86_64",
      flags: ["fpu", "vme", "sse", "sse2", "avx2", "vmx"],
      socket_count: 2,
    });
    // Everything was in /proc and /sys: no tool was needed.
    expect(exec.calls).toEqual([]);
  });

  test("on ARM, takes the model name from lscpu and the architecture from uname", async () => {
    const { logger } = captureLogger();
    const lscpu = { lscpu: [{ field: "Architecture:", data: "aarch64" }, { field: "Model name:", data: "Cortex-A72", children: [{ field: "Socket(s):", data: "1" }] }] };
    const exec = fakeExec({ lscpu: { stdout: JSON.stringify(lscpu) }, uname: { stdout: "aarch64\n" } });
    const cpu = await collectCpu({ fs: createHostFs(ARM_BOARD), exec, logger, systemInfo: null });
    expect(cpu.model_name).toBe("Cortex-A72");
    expect(cpu.architecture).toBe("aarch64");
    expect(cpu.count).toBe(2);
    expect(cpu.socket_count).toBe(1); // from topology/physical_package_id
    expect(cpu.flags).toEqual(["fp", "asimd", "evtstrm", "crc32", "cpuid"]);
    expect(cpu.frequency).toBeNull();
  });

  test("without lscpu the model stays null (never invented) and a warning is logged", async () => {
    const log = captureLogger();
    const cpu = await collectCpu({ fs: createHostFs(ARM_BOARD), exec: fakeExec(), logger: log.logger, systemInfo: null });
    expect(cpu.model_name).toBeNull();
    expect(cpu.count).toBe(2);
    expect(log.warnings().some((w) => w.includes("lscpu unavailable"))).toBe(true);
  });

  test("systeminformation fills a missing frequency; an empty answer is reported", async () => {
    const answered: SystemInfoProbe = {
      cpu: async () => ({ sockets: null, maxMhz: 1800, flags: null }),
      memoryDevices: async () => null,
    };
    const cpu = await collectCpu({ fs: createHostFs(ARM_BOARD), exec: fakeExec(), logger: captureLogger().logger, systemInfo: answered });
    expect(cpu.frequency).toBe("1800.0000");

    const log = captureLogger();
    const empty: SystemInfoProbe = { cpu: async () => ({ sockets: null, maxMhz: null, flags: null }), memoryDevices: async () => null };
    await collectCpu({ fs: createHostFs(ARM_BOARD), exec: fakeExec(), logger: log.logger, systemInfo: empty });
    expect(log.warnings().some((w) => w.includes("systeminformation returned no CPU data"))).toBe(true);
  });
});

test("parseCpuinfo splits processor blocks with lower-cased keys", () => {
  const blocks = parseCpuinfo("processor\t: 0\nmodel name\t: X\n\nprocessor\t: 1\nmodel name\t: X\n");
  expect(blocks).toEqual([
    { processor: "0", "model name": "X" },
    { processor: "1", "model name": "X" },
  ]);
});

test("countCpuList counts kernel CPU lists", () => {
  expect(countCpuList("0-3,8,10-11")).toBe(7);
  expect(countCpuList("0")).toBe(1);
  expect(countCpuList("garbage")).toBeNull();
  expect(countCpuList(null)).toBeNull();
});
