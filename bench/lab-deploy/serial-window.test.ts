/**
 * @module bench/lab-deploy/serial-window.test
 * The deploy window of a serial log: POSTs counted by firmware banner up to the marker only,
 * the marker's time, the agent's written bytes (image and config drive once each), a line
 * still being written left out.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deployWindow, logOffset, readLinesFrom } from "./serial-window.ts";

const dir = mkdtempSync(join(tmpdir(), "bn-serial-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const imageWritten = JSON.stringify({ level: 30, msg: "image written", result: { bytes_written: 1000, configdrive: { bytes: 24 } } });
const driveWritten = JSON.stringify({ level: 30, bytes: 24, msg: "config drive written" });
const echoed = JSON.stringify({ level: 30, msg: "command succeeded", result: { bytes_written: 1000 } });

describe("deployWindow", () => {
  test("counts SeaBIOS banners before the marker, its time, and each write once", () => {
    const log = join(dir, "bios.log");
    writeFileSync(log, "100.0 SeaBIOS (version 1.16) from before\n");
    const from = logOffset(log);
    appendFileSync(
      log,
      [
        "101.5 SeaBIOS (version 1.16.3-debian)",
        "102.0 iPXE (http://ipxe.org) 00:03.0",
        `110.0 ${driveWritten}`,
        `110.1 [   12.3] random: crng init done${imageWritten}`,
        `110.2 ${echoed}`,
        "111.0 SeaBIOS (version 1.16.3-debian)",
        "130.25 TEETH-OS-BOOTED image=teeth-os-1 root=/dev/vda3 boot=bios kernel=6.1",
        "140.0 SeaBIOS (version 1.16.3-debian)",
        "",
      ].join("\n"),
    );
    const w = deployWindow(readLinesFrom(log, from), "bios");
    expect(w).toEqual({ markerAt: 130.25, marker: "TEETH-OS-BOOTED image=teeth-os-1 root=/dev/vda3 boot=bios kernel=6.1", posts: 2, bytesWritten: 1024 });
  });

  test("OVMF: one POST per boot entry started, not per entry tried; no marker yet reads as null", () => {
    const log = join(dir, "uefi.log");
    writeFileSync(
      log,
      [
        '1.0 \x1b[=3h\x1b[=3hBdsDxe: failed to load Boot0001 "UEFI QEMU DVD-ROM" from PciRoot(0x0): Not Found',
        '1.1 BdsDxe: loading Boot0002 "UEFI PXEv4 (MAC:525400870001)" from PciRoot(0x0)/Pci(0x3,0x0)',
        '1.2 BdsDxe: starting Boot0002 "UEFI PXEv4 (MAC:525400870001)" from PciRoot(0x0)/Pci(0x3,0x0)',
        '9.0 \x1b[=3hBdsDxe: loading Boot0003 "UEFI Misc Device" from PciRoot(0x0)/Pci(0x4,0x0)',
        '9.1 BdsDxe: starting Boot0003 "UEFI Misc Device" from PciRoot(0x0)/Pci(0x4,0x0)',
        "12.0 TEETH-OS-BOO",
      ].join("\n"),
    );
    expect(deployWindow(readLinesFrom(log, 0), "uefi")).toEqual({ markerAt: null, marker: null, posts: 2, bytesWritten: null });
  });

  test("a kexec (no banner) reads as zero POSTs; a missing log as no lines", () => {
    expect(deployWindow([{ at: 5, text: "TEETH-OS-BOOTED image=x root=/dev/vda3 boot=uefi kernel=6" }], "uefi").posts).toBe(0);
    expect(readLinesFrom(join(dir, "absent.log"), 0)).toEqual([]);
  });
});
