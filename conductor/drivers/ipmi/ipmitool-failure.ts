/**
 * @module conductor/drivers/ipmi/ipmitool-failure
 * What went wrong in one ipmitool run, read from its exit, its stderr (the driver runs it
 * with `-v`, which makes it say why a session failed) and whether our own timeout killed it.
 * ipmitool prints the same last line, "Unable to establish IPMI v2 / RMCP+ session", for a
 * wrong password and for a BMC that never answered; the line before it tells them apart:
 *
 * | stderr says | kind |
 * |---|---|
 * | `RAKP 2 HMAC is invalid`, `unauthorized name`, `unauthorized role`, `invalid role`, ... | `auth` (the BMC answered and refused us) |
 * | `invalid authentication/integrity/confidentiality algorithm`, `no matching cipher suite` | `cipher` (it refused the cipher suite) |
 * | `Address lookup for X failed` | `unresolved` (DNS) |
 * | `Get Auth Capabilities error`, `No response from remote controller` | `no-answer` (silence; the driver then asks the network whether anything listens) |
 * | killed by our timeout | `timeout` |
 * | `insufficient resources`, `Node busy`, `Timeout`, `BMC initialization in progress` | `busy` (Ironic's retryable completion codes) |
 * | `...failed: Invalid command`, `Invalid data field in request`, `not supported` | `unsupported` |
 * | anything else | `error` |
 */
import type { ExecResult } from "../../../common/exec.ts";

export type IpmitoolFailure =
  | { kind: "auth"; reason: string }
  | { kind: "cipher"; reason: string }
  | { kind: "unresolved"; reason: string }
  | { kind: "no-answer"; reason: string }
  | { kind: "timeout"; reason: string }
  | { kind: "busy"; reason: string }
  | { kind: "unsupported"; reason: string }
  | { kind: "error"; reason: string };

/** Lines `-v` prints on every run (its vendor probe fails harmlessly on many BMCs). */
const NOISE = [
  /^Loading IANA PEN Registry/,
  /^Running Get VSO Capabilities/,
  /^Invalid completion code received: Invalid command$/,
  /^Discovered IPMB address/,
  /^Get HPM\.x Capabilities request failed/,
  /^RAW (REQ|REQUEST|RSP)\b/,
  /^( [0-9a-f]{2})+$/,
  /^>?\s*$/,
];

const AUTH: [RegExp, string][] = [
  [/RAKP 2 HMAC is invalid/i, "wrong password (RAKP 2 HMAC is invalid)"],
  [/unauthorized name/i, "unknown user name (RAKP 2: unauthorized name)"],
  [/unauthorized role or privilege level|invalid role/i, "the user may not take the requested privilege level (ipmi_priv_level)"],
  [/insufficient privilege/i, "the user's privilege level is too low for this command (ipmi_priv_level)"],
  [/invalid integrity check value|RAKP 4 .*invalid/i, "wrong password (RAKP 4 integrity check failed)"],
  [/unauthorized GUID|invalid name length/i, "the BMC refused the user name"],
  [/Activate Session error|Authentication type .* not supported/i, "the BMC refused the session"],
];
const CIPHER = /invalid (authentication|integrity|confidentiality) algorithm|no matching (cipher suite|authentication payload|integrity payload)|no cipher suite match|Unsupported cipher suite ID/i;
const UNRESOLVED = /Address lookup for \S+ failed/i;
const NO_ANSWER = /Get Auth Capabilities error|Error issuing Get Channel Authentication Capabilities|No response from remote controller|Unable to establish IPMI v2|Unable to establish LAN session/i;
const BUSY = /insufficient resources|Node busy|\bTimeout\b|Out of space|BMC initialization in progress/i;
const UNSUPPORTED = /(Invalid command|Invalid data field in request|Parameter not supported|not supported|Command illegal)/i;

/** stderr without `-v`'s chatter: what is left says what failed. */
export function meaningfulLines(stderr: string): string[] {
  return stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !NOISE.some((re) => re.test(l)));
}

/**
 * Classifies a failed run (`result.failed`, or an answer that lacked what the command prints
 * on success: ipmitool exits 0 after some refusals, e.g. a boot device the BMC cannot set).
 * @example
 * classifyIpmitoolFailure(result); // { kind: "auth", reason: "wrong password (RAKP 2 HMAC is invalid)" }
 */
export function classifyIpmitoolFailure(result: ExecResult): IpmitoolFailure {
  const lines = meaningfulLines(result.stderr);
  const text = lines.join("\n");
  const detail = lines.filter((l) => !/^Error: Unable to establish/.test(l)).at(-1) ?? lines.at(-1) ?? "";
  if (result.timedOut) return { kind: "timeout", reason: "ipmitool got no complete answer and was stopped" };
  for (const [re, reason] of AUTH) if (re.test(text)) return { kind: "auth", reason };
  if (CIPHER.test(text)) return { kind: "cipher", reason: detail.replace(/^Error in open session response message : /, "") };
  if (UNRESOLVED.test(text)) return { kind: "unresolved", reason: lines.find((l) => UNRESOLVED.test(l))! };
  if (BUSY.test(text)) return { kind: "busy", reason: detail };
  if (NO_ANSWER.test(text)) return { kind: "no-answer", reason: "no answer to session setup" };
  if (UNSUPPORTED.test(text)) return { kind: "unsupported", reason: detail };
  if (result.exitCode === null && !result.timedOut) return { kind: "error", reason: `ipmitool could not run: ${detail || "not installed?"}` };
  if (!result.failed) return { kind: "error", reason: detail || `unexpected answer: ${result.stdout.trim().slice(0, 200) || "(nothing)"}` };
  return { kind: "error", reason: detail || `ipmitool exited ${result.exitCode} without saying why` };
}
