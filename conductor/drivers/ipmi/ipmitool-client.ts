/**
 * @module conductor/drivers/ipmi/ipmitool-client
 * Runs one ipmitool command against a node's BMC and turns every failure into a catalogued
 * `BMC_*` error that says what went wrong. Around each run: the BMC's queue (one command at
 * a time, a pause between), a kill after `command_timeout_s`, retries with doubling backoff
 * for transient failures (silence, a busy BMC) but never for a refusal (wrong password,
 * unsupported command, nothing listening), and the cipher suite: the node's
 * `ipmi_cipher_suite`, else one found once per BMC (17, else 3) and remembered in memory.
 *
 * Silence vs unreachable: ipmitool prints the same thing for a port nobody listens on and for
 * a BMC that is there but never answers. After silence the client sends one RMCP ping: an
 * ICMP "unreachable" (or a name that does not resolve) is `BMC_UNREACHABLE`; still no answer,
 * or ipmitool killed by our timeout, is `BMC_TIMEOUT`.
 */
import type { Exec, ExecResult } from "../../../common/exec.ts";
import type { Logger } from "../../../common/logger.ts";
import type { ConductorConfig } from "../../config/schema.ts";
import { conductorError, type ConductorError } from "../../errors.ts";
import { createBmcQueue } from "./bmc-queue.ts";
import type { IpmiTarget } from "./driver-info.ts";
import { bmcLabel, ipmitoolInvocation } from "./ipmitool-args.ts";
import { classifyIpmitoolFailure, type IpmitoolFailure } from "./ipmitool-failure.ts";
import { rmcpPing } from "./rmcp-ping.ts";

export type IpmiConfig = ConductorConfig["ipmi"];

export interface IpmitoolRequest {
  /** ipmitool's words after the options, e.g. ["chassis", "power", "status"]. */
  command: string[];
  /** What the operator asked for, for messages ("power status", "set boot device pxe"). */
  action: string;
  /**
   * What stdout shows on success. ipmitool exits 0 after some refusals (a boot device the
   * BMC cannot set), so an answer without it is a failure.
   */
  expect?: RegExp;
}

export interface IpmitoolClient {
  /** Runs the request; resolves with stdout, throws a `BMC_*` ConductorError. */
  run(target: IpmiTarget, request: IpmitoolRequest): Promise<string>;
  /** The cipher suite in use for a BMC: from driver_info, remembered, or null (not probed yet). */
  cipherSuite(target: IpmiTarget): number | null;
}

const DRIVER = "IPMI";
const PROBE_SUITE = 17;
const FALLBACK_SUITE = 3;
const TRANSIENT = new Set<IpmitoolFailure["kind"]>(["no-answer", "timeout", "busy"]);

/**
 * @example
 * const client = createIpmitoolClient({ exec, logger, config: config.ipmi });
 * const out = await client.run(target, { command: ["chassis", "power", "status"], action: "power status" });
 */
export function createIpmitoolClient(deps: { exec: Exec; logger: Logger; config: IpmiConfig }): IpmitoolClient {
  const { exec, logger, config } = deps;
  const queue = createBmcQueue(config.min_command_interval_s * 1000);
  // Per BMC and user: suites are per channel, privilege per user. In memory only: a restart
  // probes once more (one short call), and nothing here writes the store.
  const suites = new Map<string, number>();
  const suiteKey = (t: IpmiTarget) => `${bmcLabel(t)}/${t.username ?? ""}`;
  const probing = new Map<string, Promise<{ suite: number; remember: boolean }>>();

  const scrub = (text: string, t: IpmiTarget) => (t.password.length >= 3 ? text.split(t.password).join("***") : text);

  async function once(t: IpmiTarget, suite: number, command: string[], timeoutMs: number, packetTimeoutS: number, packetRetries = 1): Promise<ExecResult> {
    const { args, env } = ipmitoolInvocation(t, suite, packetTimeoutS, command, packetRetries);
    return queue.run(bmcLabel(t), async () => {
      const started = Date.now();
      const r = await exec("ipmitool", args, { env, timeoutMs });
      logger.debug({ bmc: bmcLabel(t), command: command.join(" "), cipher_suite: suite, ms: Date.now() - started, exitCode: r.exitCode, timedOut: r.timedOut }, "ipmitool");
      return r;
    });
  }

  const succeeded = (r: ExecResult, expect?: RegExp) => !r.failed && (!expect || expect.test(r.stdout));

  /** The failure, with silence resolved by a ping into "unreachable" or left as silence. */
  async function diagnose(t: IpmiTarget, r: ExecResult): Promise<IpmitoolFailure | { kind: "unreachable"; reason: string }> {
    const f = classifyIpmitoolFailure(r);
    if (f.kind === "unresolved") return { kind: "unreachable", reason: `the host name ${t.address} does not resolve` };
    if (f.kind !== "no-answer" && f.kind !== "timeout") return f;
    const ping = await rmcpPing(t.address, t.port, 1000);
    if (ping.kind === "refused") return { kind: "unreachable", reason: ping.reason };
    if (ping.kind === "answered") return { ...f, reason: `${f.reason} (it answers an RMCP ping, but not IPMI)` };
    return f;
  }

  function toError(t: IpmiTarget, action: string, f: IpmitoolFailure | { kind: "unreachable"; reason: string }, suite: number, startedAt: number): ConductorError {
    const bmc = bmcLabel(t);
    const reason = scrub(f.reason, t);
    switch (f.kind) {
      case "auth":
        return conductorError("BMC_AUTH_FAILED", { driver: DRIVER, bmc, reason: `${reason}; check ipmi_username, ipmi_password and ipmi_priv_level (${t.privLevel})` });
      case "cipher":
        return conductorError("BMC_UNSUPPORTED", {
          driver: DRIVER,
          bmc,
          what: t.cipherSuite !== null
            ? `cipher suite ${suite} from driver_info ipmi_cipher_suite (${reason})`
            : `cipher suite ${PROBE_SUITE} or ${FALLBACK_SUITE} (${reason}); set ipmi_cipher_suite to one it supports`,
        });
      case "unreachable":
        return conductorError("BMC_UNREACHABLE", { driver: DRIVER, bmc, reason });
      case "no-answer":
      case "timeout":
        return conductorError("BMC_TIMEOUT", { driver: DRIVER, bmc, action, seconds: Math.round((Date.now() - startedAt) / 100) / 10, reason });
      case "unsupported":
        return conductorError("BMC_UNSUPPORTED", { driver: DRIVER, bmc, what: `"${action}" (${reason})` });
      case "busy":
      case "error":
        return conductorError("BMC_ERROR", { driver: DRIVER, action, bmc, reason });
    }
    return conductorError("BMC_ERROR", { driver: DRIVER, action, bmc, reason });
  }

  /** Finds the cipher suite of a BMC whose driver_info names none: one short `power status` with 17. */
  async function chooseSuite(t: IpmiTarget, startedAt: number): Promise<{ suite: number; remember: boolean }> {
    if (t.cipherSuite !== null) return { suite: t.cipherSuite, remember: false };
    const known = suites.get(suiteKey(t));
    if (known !== undefined) return { suite: known, remember: false };
    // Calls that arrive while the probe runs wait for its verdict instead of probing again.
    const key = suiteKey(t);
    let pending = probing.get(key);
    if (!pending) {
      pending = probeSuite(t, startedAt).finally(() => probing.delete(key));
      probing.set(key, pending);
    }
    return pending;
  }

  async function probeSuite(t: IpmiTarget, startedAt: number): Promise<{ suite: number; remember: boolean }> {
    const probe = await once(t, PROBE_SUITE, ["chassis", "power", "status"], config.cipher_probe_timeout_s * 1000, 1, 0);
    if (succeeded(probe, /Chassis Power is/)) {
      suites.set(suiteKey(t), PROBE_SUITE);
      logger.info({ bmc: bmcLabel(t), cipher_suite: PROBE_SUITE }, "IPMI cipher suite found");
      return { suite: PROBE_SUITE, remember: false };
    }
    const f = await diagnose(t, probe);
    // A refused password is refused with any suite, and nobody listening does not change
    // with the suite either: say so now rather than after a second try.
    if (f.kind === "auth" || f.kind === "unreachable") throw toError(t, "power status", f, PROBE_SUITE, startedAt);
    logger.debug({ bmc: bmcLabel(t), failure: f.kind }, "IPMI cipher suite 17 not usable, trying 3");
    return { suite: FALLBACK_SUITE, remember: true };
  }

  return {
    cipherSuite: (t) => t.cipherSuite ?? suites.get(suiteKey(t)) ?? null,
    async run(t, request) {
      const startedAt = Date.now();
      const { suite, remember } = await chooseSuite(t, startedAt);
      let backoffMs = config.retry_backoff_s * 1000;
      for (let attempt = 0; ; attempt++) {
        const r = await once(t, suite, request.command, config.command_timeout_s * 1000, config.packet_timeout_s);
        if (succeeded(r, request.expect)) {
          if (remember) {
            suites.set(suiteKey(t), suite);
            logger.info({ bmc: bmcLabel(t), cipher_suite: suite }, "IPMI cipher suite found");
          }
          return r.stdout;
        }
        const f = await diagnose(t, r);
        if (!TRANSIENT.has(f.kind as IpmitoolFailure["kind"]) || attempt >= config.retries) throw toError(t, request.action, f, suite, startedAt);
        logger.warn({ bmc: bmcLabel(t), action: request.action, failure: f.kind, reason: scrub(f.reason, t), attempt: attempt + 1 }, "IPMI command failed, retrying");
        await Bun.sleep(backoffMs);
        backoffMs *= 2;
      }
    },
  };
}
