/**
 * @module conductor/drivers/ipmi/ipmitool-client.test
 * Retry policy and error mapping against scripted ipmitool results (real stderr fixtures):
 * transient failures are retried, refusals are not, silence is resolved by a real ping.
 */
import { describe, expect, test } from "bun:test";
import dgram from "node:dgram";
import { join } from "node:path";
import type { Exec, ExecResult } from "../../../common/exec.ts";
import { createSilentLogger } from "../../../common/logger.ts";
import { ConductorConfigSchema } from "../../config/schema.ts";
import { parseIpmiDriverInfo, type IpmiTarget } from "./driver-info.ts";
import { createIpmitoolClient } from "./ipmitool-client.ts";

const fixture = (name: string) => Bun.file(join(import.meta.dir, "../../../test/fixtures/ipmitool", name)).text();
const config = ConductorConfigSchema.parse({ ipmi: { retries: 2, retry_backoff_s: 0.01, min_command_interval_s: 0 } }).ipmi;
const ok = (stdout: string): ExecResult => ({ command: "ipmitool", exitCode: 0, stdout, stderr: "", failed: false, timedOut: false });
const bad = (stderr: string, more: Partial<ExecResult> = {}): ExecResult => ({ command: "ipmitool", exitCode: 1, stdout: "", stderr, failed: true, timedOut: false, ...more });

function scripted(results: ExecResult[]) {
  const calls: string[][] = [];
  const exec: Exec = async (_file, args) => {
    calls.push([...args]);
    return results.length > 1 ? results.shift()! : results[0]!;
  };
  return { client: createIpmitoolClient({ exec, logger: createSilentLogger(), config }), calls };
}

async function closedPort(): Promise<number> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const target = (extra: Record<string, unknown> = {}) => parseIpmiDriverInfo({ ipmi_address: "127.0.0.1", ipmi_password: "Pw-unit-77", ipmi_cipher_suite: 3, ...extra }) as IpmiTarget;
const status = { command: ["chassis", "power", "status"], action: "power status", expect: /Chassis Power is/ };
const error = (p: Promise<unknown>) => p.then(() => { throw new Error("expected failure"); }, (e) => e as { code: string; message: string });

describe("retries", () => {
  test("a busy BMC is retried until it answers", async () => {
    const { client, calls } = scripted([bad("Set Chassis Power Control to Up/On failed: Node busy\n"), bad("Node busy\n"), ok("Chassis Power is on\n")]);
    expect(await client.run(target(), status)).toBe("Chassis Power is on\n");
    expect(calls.length).toBe(3);
  });

  test("a wrong password is never retried", async () => {
    const { client, calls } = scripted([bad(await fixture("wrong-password.stderr"))]);
    expect((await error(client.run(target(), status))).code).toBe("BMC_AUTH_FAILED");
    expect(calls.length).toBe(1);
  });

  test("an unsupported command is never retried", async () => {
    const { client, calls } = scripted([bad(await fixture("power-diag-unsupported.stderr"))]);
    const e = await error(client.run(target(), { command: ["chassis", "power", "diag"], action: "diag" }));
    expect(e.code).toBe("BMC_UNSUPPORTED");
    expect(calls.length).toBe(1);
  });

  test("silence, then the ping meets a closed port: unreachable, not retried", async () => {
    const { client, calls } = scripted([bad(await fixture("no-answer.stderr"))]);
    const e = await error(client.run(target({ ipmi_port: await closedPort() }), status));
    expect(e.code).toBe("BMC_UNREACHABLE");
    expect(calls.length).toBe(1);
  });

  test("killed by our timeout, and the ping hears nothing: BMC_TIMEOUT after all retries", async () => {
    // A bound socket that never answers: silence, like a frozen BMC.
    const silent = dgram.createSocket("udp4");
    await new Promise<void>((r) => silent.bind(0, "127.0.0.1", () => r()));
    try {
      const { client, calls } = scripted([bad("", { timedOut: true, exitCode: null })]);
      const e = await error(client.run(target({ ipmi_port: silent.address().port }), status));
      expect(e.code).toBe("BMC_TIMEOUT");
      expect(e.message).toContain('did not complete "power status"');
      expect(calls.length).toBe(1 + config.retries);
    } finally {
      silent.close();
    }
  });

  test("an answer without the expected output is a failure, with ipmitool's words", async () => {
    const { client } = scripted([{ ...ok(""), stderr: await fixture("bootdev-safe-error.stderr") }]);
    const e = await error(client.run(target(), { command: ["chassis", "bootdev", "safe"], action: "set boot device safe", expect: /^Set Boot Device to /m }));
    expect(e).toMatchObject({ code: "BMC_ERROR", message: 'IPMI call "set boot device safe" to 127.0.0.1:623 failed: Set Chassis Boot Parameter 5 failed: Unspecified error' });
  });
});

describe("cipher suite", () => {
  test("17 accepted by the probe: remembered, no second probe", async () => {
    const { client, calls } = scripted([ok("Chassis Power is off\n")]);
    const t = target({ ipmi_cipher_suite: undefined });
    await client.run(t, status);
    await client.run(t, status);
    expect(calls.map((a) => a[a.indexOf("-C") + 1])).toEqual(["17", "17", "17"]);
    expect(client.cipherSuite(t)).toBe(17);
  });

  test("neither 17 nor 3 accepted: BMC_UNSUPPORTED telling the operator to set ipmi_cipher_suite, nothing remembered", async () => {
    const { client } = scripted([bad(await fixture("cipher-17-refused.stderr"))]);
    const t = target({ ipmi_cipher_suite: undefined });
    const e = await error(client.run(t, status));
    expect(e.code).toBe("BMC_UNSUPPORTED");
    expect(e.message).toContain("set ipmi_cipher_suite");
    expect(client.cipherSuite(t)).toBeNull();
  });
});

test("concurrent first calls to one BMC share one probe", async () => {
  const { client, calls } = scripted([ok("Chassis Power is off\n")]);
  const t = target({ ipmi_cipher_suite: undefined });
  await Promise.all([client.run(t, status), client.run(t, status), client.run(t, status)]);
  // One probe (17) and three commands.
  expect(calls.length).toBe(4);
});
