/**
 * @module bench/lab-deploy/summary.test
 * The table: medians and ratios against case 1 of the same run, POSTs turned into real-server
 * minutes, the goals judged, and a case that could not run said so instead of numbers.
 */
import { describe, expect, test } from "bun:test";
import { formatSummary, median, type RunResult } from "./summary.ts";

const run = (seconds: number, posts: number, bytesWritten: number | null = 1 << 20): RunResult => ({ seconds, toActive: seconds - 10, posts, bytesWritten, powerActions: posts, events: [
    "Fast track: deploy reuses the running agent (last heartbeat 3.8 s ago); no power cycle, no network boot.",
    posts ? "kexec into the deployed OS not used, rebooting through the firmware instead: no kernel" : "booted the deployed OS with kexec (no firmware reboot): /boot/vmlinuz",
  ] });

describe("formatSummary", () => {
  test("median of odd and even counts", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });

  test("ratios to case 1's median, POST minutes saved, goals met or not", () => {
    const out = formatSummary([
      { id: 1, title: "classic", runs: [run(100, 2), run(300, 2), run(200, 2)] },
      { id: 2, title: "fast track", runs: [run(120, 1), run(100, 1), run(110, 1)] },
      { id: 3, title: "fast track + kexec", runs: [run(50, 0), run(60, 1), run(40, 0)] },
      { id: 4, title: "pre-staged + kexec", runs: [], unavailable: "the conductor has no deploy.prestage_image" },
    ]);
    const line = (prefix: string) => out.split("\n").find((l) => l.startsWith(prefix))!;
    expect(line("1. classic")).toContain("200.0 s");
    expect(line("1. classic")).toContain("100.0-300.0 s");
    expect(line("1. classic")).toContain("1.00x");
    expect(line("2. fast track ")).toContain("0.55x");
    expect(line("3. fast track + kexec")).toMatch(/0-1 .*0\.25x/);
    expect(line("4. pre-staged")).toBe("4. pre-staged + kexec  not available: the conductor has no deploy.prestage_image");
    // The reason does not widen the columns of the cases that ran.
    expect(line("case").length).toBeLessThan(100);
    // Real servers: case 1 pays 2 POSTs (4 min), case 2 saves one, case 3's median is 0.
    const real = out.slice(out.indexOf("on real servers"));
    expect(real).toMatch(/1\. classic\s+2\s+4 min\s+0 min/);
    expect(real).toMatch(/2\. fast track\s+1\s+2 min\s+2 min/);
    expect(real).toMatch(/3\. fast track \+ kexec\s+0\s+0 min\s+4 min/);
    expect(out).toContain("zero POSTs in case 3: NOT met (up to 1 per deploy)");
    // The history, counted per case and cut before the detail.
    expect(out).toContain("case 3: 2/3 runs: booted the deployed OS with kexec\n");
    expect(out).toContain("case 3: 1/3 runs: kexec into the deployed OS not used, rebooting through the firmware instead\n");
    expect(out).toContain("case 2: 3/3 runs: Fast track: deploy reuses the running agent\n");
    expect(out).toContain("case 4 <= 0.2 x case 1 in time: not measured (case 4: the conductor has no deploy.prestage_image)");
  });

  test("goal met when case 4 is fast and POST-free", () => {
    const out = formatSummary([
      { id: 1, title: "classic", runs: [run(100, 2)] },
      { id: 4, title: "pre-staged + kexec", runs: [run(15, 0, 2 << 20)] },
    ]);
    expect(out).toContain("0.15 x -> met");
    expect(out).toContain("zero POSTs in case 4: met");
    expect(out).toContain("2.0 MiB");
  });
});
