/**
 * @module conductor/drivers/ipmi/ipmitool-failure.test
 * Classification of real ipmitool failures (stderr captured against ipmi_sim, with -v).
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { ExecResult } from "../../../common/exec.ts";
import { classifyIpmitoolFailure, meaningfulLines } from "./ipmitool-failure.ts";

const fixture = (name: string) => Bun.file(join(import.meta.dir, "../../../test/fixtures/ipmitool", name)).text();
const failed = (stderr: string, more: Partial<ExecResult> = {}): ExecResult => ({ command: "ipmitool", exitCode: 1, stdout: "", stderr, failed: true, timedOut: false, ...more });

describe("classifyIpmitoolFailure", () => {
  test("a wrong password is an authentication failure, named as such", async () => {
    expect(classifyIpmitoolFailure(failed(await fixture("wrong-password.stderr")))).toEqual({ kind: "auth", reason: "wrong password (RAKP 2 HMAC is invalid)" });
  });
  test("an unknown user is an authentication failure", async () => {
    const f = classifyIpmitoolFailure(failed(await fixture("unknown-user.stderr")));
    expect(f.kind).toBe("auth");
    expect(f.reason).toContain("unknown user name");
  });
  test("a refused cipher suite is not an authentication failure", async () => {
    expect(classifyIpmitoolFailure(failed(await fixture("cipher-17-refused.stderr")))).toEqual({ kind: "cipher", reason: "invalid authentication algorithm" });
  });
  test("silence is no-answer (the driver then pings to tell unreachable from frozen)", async () => {
    expect(classifyIpmitoolFailure(failed(await fixture("no-answer.stderr"))).kind).toBe("no-answer");
  });
  test("a host name that does not resolve", async () => {
    const f = classifyIpmitoolFailure(failed(await fixture("unknown-host.stderr")));
    expect(f).toEqual({ kind: "unresolved", reason: "Address lookup for no-such-bmc.invalid failed" });
  });
  test("our own timeout wins over whatever ipmitool printed so far", async () => {
    expect(classifyIpmitoolFailure(failed(await fixture("success-noise.stderr"), { timedOut: true, exitCode: null })).kind).toBe("timeout");
  });
  test("a command the BMC refuses as invalid is unsupported, not the -v vendor probe's 'Invalid command'", async () => {
    expect(classifyIpmitoolFailure(failed(await fixture("power-diag-unsupported.stderr")))).toEqual({
      kind: "unsupported",
      reason: "Set Chassis Power Control to Diag failed: Invalid data field in request",
    });
    expect(classifyIpmitoolFailure(failed(await fixture("success-noise.stderr"))).kind).toBe("error");
  });
  test("an error ipmitool exits 0 after keeps its words", async () => {
    const f = classifyIpmitoolFailure({ ...failed(await fixture("bootdev-safe-error.stderr")), exitCode: 0, failed: false });
    expect(f).toEqual({ kind: "error", reason: "Set Chassis Boot Parameter 5 failed: Unspecified error" });
  });
  test("Ironic's retryable completion codes are busy", () => {
    expect(classifyIpmitoolFailure(failed("Error in open session response message : insufficient resources to create new session\nError: Unable to establish IPMI v2 / RMCP+ session\n")).kind).toBe("busy");
    expect(classifyIpmitoolFailure(failed("Set Chassis Power Control to Up/On failed: Node busy\n")).kind).toBe("busy");
  });
  test("ipmitool missing", () => {
    expect(classifyIpmitoolFailure(failed("", { exitCode: null })).reason).toContain("could not run");
  });
});

test("meaningfulLines drops -v chatter only", async () => {
  expect(meaningfulLines(await fixture("success-noise.stderr"))).toEqual([]);
  expect(meaningfulLines(await fixture("wrong-password.stderr"))).toEqual(["> RAKP 2 HMAC is invalid", "Error: Unable to establish IPMI v2 / RMCP+ session"]);
});
