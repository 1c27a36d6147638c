import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { createDnsmasqSupervisor, type DnsmasqSupervisor } from "./dnsmasq-supervisor.ts";

/** A stand-in for dnsmasq: records each start and SIGHUP, exits when told to through a file. */
function fakeDnsmasq(dir: string): string {
  const path = join(dir, "fake-dnsmasq");
  writeFileSync(
    path,
    `#!/bin/bash
echo "start $$" >> ${dir}/events
trap 'echo "hup $$" >> ${dir}/events' HUP
trap 'echo "term $$" >> ${dir}/events; exit 0' TERM
if [ -e ${dir}/crash ]; then echo "dnsmasq: bad option at line 3 of fake.conf" >&2; exit 1; fi
while :; do sleep 0.05; done
`,
  );
  chmodSync(path, 0o755);
  return path;
}

function capture() {
  const lines: any[] = [];
  const logger = pino({ level: "debug" }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { logger, lines };
}

async function until(pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await Bun.sleep(20);
  }
}

describe("dnsmasq supervisor", () => {
  let dir: string;
  let sup: DnsmasqSupervisor | null = null;
  afterEach(async () => {
    await sup?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const events = () => (existsSync(join(dir, "events")) ? readFileSync(join(dir, "events"), "utf8").trim().split("\n") : []);

  test("starts, reloads with SIGHUP, stops with SIGTERM; nothing restarts after stop", async () => {
    dir = mkdtempSync(join(tmpdir(), "nb-sup-"));
    const { logger, lines } = capture();
    sup = createDnsmasqSupervisor({ command: [fakeDnsmasq(dir)], logger });
    sup.start();
    await until(() => events().length === 1);
    const pid = sup.pid;
    expect(pid).toBeGreaterThan(0);
    await Bun.sleep(100); // the trap is set
    sup.reload();
    await until(() => events().includes(`hup ${pid}`));
    await sup.stop();
    expect(events()).toContain(`term ${pid}`);
    expect(sup.pid).toBeNull();
    await Bun.sleep(300);
    expect(events().filter((e) => e.startsWith("start"))).toHaveLength(1);
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(["dnsmasq started", "dnsmasq reloaded (SIGHUP)", "dnsmasq stopped"]));
  });

  test("a dnsmasq that dies is restarted with growing delays, each logged with its stderr", async () => {
    dir = mkdtempSync(join(tmpdir(), "nb-sup-"));
    writeFileSync(join(dir, "crash"), "");
    const { logger, lines } = capture();
    sup = createDnsmasqSupervisor({ command: [fakeDnsmasq(dir)], logger, initialBackoffMs: 50, maxBackoffMs: 200 });
    sup.start();
    await until(() => sup!.starts >= 4);
    const restarts = lines.filter((l) => l.level === 50 && /^dnsmasq exited with code 1; restarting in/.test(l.msg));
    expect(restarts.length).toBeGreaterThanOrEqual(3);
    expect(restarts.slice(0, 4).map((l) => l.restart_in_ms)).toEqual([50, 100, 200, 200].slice(0, Math.min(4, restarts.length)));
    expect(restarts[0].stderr).toContain("bad option at line 3");
    // Once it starts cleanly it stays up.
    rmSync(join(dir, "crash"));
    // Only a start logged after the file is gone checks it afterwards too (the fake logs, then checks).
    const seen = events().length;
    await until(() => sup!.pid !== null && events().slice(seen).includes(`start ${sup!.pid}`), 3000);
    const pid = sup.pid;
    await Bun.sleep(400);
    expect(sup.pid).toBe(pid);
  });

  test("a program that cannot be started is logged and retried, not thrown", async () => {
    dir = mkdtempSync(join(tmpdir(), "nb-sup-"));
    const { logger, lines } = capture();
    sup = createDnsmasqSupervisor({ command: [join(dir, "no-such-dnsmasq")], logger, initialBackoffMs: 30 });
    expect(() => sup!.start()).not.toThrow();
    await until(() => lines.filter((l) => l.level === 50).length >= 2);
    expect(lines.find((l) => l.level === 50).msg).toMatch(/restarting in/);
  });
});
