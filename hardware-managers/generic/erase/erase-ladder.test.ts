/**
 * @module hardware-managers/generic/erase/erase-ladder.test
 * The hardware rungs against a scripted exec: real hdparm/nvme outputs from test/fixtures,
 * commands recorded, so the state machine's decisions are checked without such drives.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Exec, ExecResult } from "../../../common/exec.ts";
import { runEraseLadder } from "./erase-ladder.ts";
import type { HostFs } from "../../../machine/host-fs.ts";

const fixture = (p: string) => Bun.file(join(import.meta.dir, "../../../test/fixtures", p)).text();
const ok = (stdout = ""): ExecResult => ({ command: "", exitCode: 0, stdout, stderr: "", failed: false, timedOut: false });
const bad = (stderr: string): ExecResult => ({ command: "x", exitCode: 5, stdout: "", stderr, failed: true, timedOut: false });

/** Exec that answers `hdparm -I` with successive outputs and records every command. */
function scripted(answers: { hdparmI?: string[]; nvmeIdCtrl?: string; fail?: (cmd: string) => ExecResult | null }) {
  const calls: string[] = [];
  const hdparm = [...(answers.hdparmI ?? [])];
  const exec: Exec = async (file, args) => {
    const cmd = [file, ...args].join(" ");
    calls.push(cmd);
    const forced = answers.fail?.(cmd);
    if (forced) return forced;
    if (file === "hdparm" && args[0] === "-I") return hdparm.length > 1 ? ok(hdparm.shift()) : ok(hdparm[0] ?? "");
    if (file === "nvme" && args[0] === "id-ctrl") return answers.nvmeIdCtrl ? ok(answers.nvmeIdCtrl) : bad("not nvme");
    return ok();
  };
  return { exec, calls };
}
const fs = { text: async () => "131072", readAt: async () => new Uint8Array(1024 * 1024) } as unknown as HostFs;
const settings = { iterations: 1, zeroize: true, verify: "none" as const, allowShredFallback: false };
const signal = new AbortController().signal;

describe("ATA security erase", () => {
  test("erasable with enhanced: set pass, enhanced erase, verified", async () => {
    const notEnabled = await fixture("hdparm/erasable-enhanced.txt");
    const { exec, calls } = scripted({ hdparmI: [notEnabled, notEnabled] });
    const r = await runEraseLadder({ exec, fs, signal }, "/dev/sda", [], "auto", settings);
    expect(r).toMatchObject({ ok: true, method: "ata_security_erase_enhanced" });
    expect(calls).toContain("hdparm --user-master u --security-set-pass NULL /dev/sda");
    expect(calls).toContain("hdparm --user-master u --security-erase-enhanced NULL /dev/sda");
    expect(calls.some((c) => c.startsWith("shred"))).toBe(false);
  });

  test("no enhanced support: plain --security-erase", async () => {
    const t = await fixture("hdparm/erasable-no-enhanced.txt");
    const { exec, calls } = scripted({ hdparmI: [t, t] });
    const r = await runEraseLadder({ exec, fs, signal }, "/dev/sda", [], "auto", settings);
    expect(r.method).toBe("ata_security_erase");
    expect(calls).toContain("hdparm --user-master u --security-erase NULL /dev/sda");
  });

  test("frozen: refused, no password set, no shred without allow_shred_fallback", async () => {
    const { exec, calls } = scripted({ hdparmI: [await fixture("hdparm/frozen.txt")] });
    const r = await runEraseLadder({ exec, fs, signal }, "/dev/sda", [], "auto", settings);
    expect(r.ok).toBe(false);
    expect(r.attempts.at(-1)).toMatchObject({ status: "refused", reason: expect.stringContaining("frozen") });
    expect(calls.some((c) => c.includes("--security-set-pass") || c.startsWith("shred"))).toBe(false);
  });

  test("frozen with allow_shred_fallback: shred", async () => {
    const { exec } = scripted({ hdparmI: [await fixture("hdparm/frozen.txt")] });
    const r = await runEraseLadder({ exec, fs, signal }, "/dev/sda", [], "auto", { ...settings, allowShredFallback: true });
    expect(r).toMatchObject({ ok: true, method: "shred" });
  });

  test("password set and locked, unlock fails: refused", async () => {
    const locked = await fixture("hdparm/password-set-locked.txt");
    const { exec, calls } = scripted({ hdparmI: [locked] });
    const r = await runEraseLadder({ exec, fs, signal }, "/dev/sda", [], "hardware", settings);
    expect(r.attempts.at(-1)).toMatchObject({ status: "refused", reason: expect.stringContaining("password") });
    expect(calls).toContain("hdparm --user-master u --security-unlock NULL /dev/sda");
    expect(calls.some((c) => c.includes("--security-erase"))).toBe(false);
  });

  test("password left by an earlier attempt is cleared, then erase", async () => {
    const set = await fixture("hdparm/password-set.txt");
    const clear = await fixture("hdparm/erasable-enhanced.txt");
    const { exec, calls } = scripted({ hdparmI: [set, clear, clear] });
    const r = await runEraseLadder({ exec, fs, signal }, "/dev/sda", [], "auto", settings);
    expect(r.ok).toBe(true);
    expect(calls).toContain("hdparm --user-master u --security-disable NULL /dev/sda");
  });

  test("security still enabled after erase: failed", async () => {
    const clear = await fixture("hdparm/erasable-enhanced.txt");
    const { exec } = scripted({ hdparmI: [clear, await fixture("hdparm/password-set.txt")] });
    const r = await runEraseLadder({ exec, fs, signal }, "/dev/sda", [], "hardware", settings);
    expect(r.ok).toBe(false);
  });

  test("security unsupported: auto overwrites, hardware fails", async () => {
    const t = await fixture("hdparm/security-unsupported.txt");
    expect((await runEraseLadder({ exec: scripted({ hdparmI: [t] }).exec, fs, signal }, "/dev/sda", [], "auto", settings)).method).toBe("shred");
    expect((await runEraseLadder({ exec: scripted({ hdparmI: [t] }).exec, fs, signal }, "/dev/sda", [], "hardware", settings)).ok).toBe(false);
  });
});

describe("NVMe format", () => {
  test("crypto erase when fna bit 2", async () => {
    const { exec, calls } = scripted({ nvmeIdCtrl: await fixture("nvme/id-ctrl-crypto-erase.json") });
    const r = await runEraseLadder({ exec, fs, signal }, "/dev/nvme0n1", [], "auto", settings);
    expect(r.method).toBe("nvme_crypto_format");
    expect(calls).toContain("nvme format /dev/nvme0n1 -s 2 --force");
  });
  test("user-data erase otherwise", async () => {
    const { exec, calls } = scripted({ nvmeIdCtrl: await fixture("nvme/id-ctrl-userdata-erase.json") });
    expect((await runEraseLadder({ exec, fs, signal }, "/dev/nvme0n1", [], "auto", settings)).method).toBe("nvme_user_data_format");
    expect(calls).toContain("nvme format /dev/nvme0n1 -s 1 --force");
  });
  test("format unsupported: express falls back to metadata", async () => {
    const { exec, calls } = scripted({ nvmeIdCtrl: await fixture("nvme/id-ctrl-format-unsupported.json") });
    const writes: number[] = [];
    const wfs = { ...fs, writeAt: async (_p: string, o: number) => void writes.push(o) } as HostFs;
    const r = await runEraseLadder({ exec, fs: wfs, signal }, "/dev/nvme0n1", [], "express", settings);
    expect(r.method).toBe("metadata");
    expect(calls.some((c) => c.startsWith("nvme format"))).toBe(false);
    expect(calls).toContain("wipefs --all --force /dev/nvme0n1");
  });
  test("format failure with fallback allowed: shred", async () => {
    const { exec } = scripted({
      nvmeIdCtrl: await fixture("nvme/id-ctrl-crypto-erase.json"),
      fail: (c) => (c.startsWith("nvme format") ? bad("NVMe status: ACCESS_DENIED") : null),
    });
    const r = await runEraseLadder({ exec, fs, signal }, "/dev/nvme0n1", [], "auto", { ...settings, allowShredFallback: true });
    expect(r.method).toBe("shred");
    expect(r.attempts[0]).toMatchObject({ method: "nvme_crypto_format", status: "failed" });
  });
});
