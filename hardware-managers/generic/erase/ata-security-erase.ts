/**
 * @module hardware-managers/generic/erase/ata-security-erase
 * The ATA security-erase state machine with hdparm: refuse when frozen or when a password is
 * set that we cannot clear, set a temporary password, erase (enhanced when supported), then
 * verify security is disabled again (the drive clears the password after a successful erase).
 */
import { parseHdparmSecurity, type AtaSecurity } from "./hdparm-security.ts";
import { describeFailure } from "../device/describe-failure.ts";
import type { EraseDeps, MethodOutcome } from "./outcome.ts";

/** IPA's temporary password; not a secret (it only lives until the erase completes). */
export const TEMP_PASSWORD = "NULL";
/** Passwords a previous interrupted erase (ours or IPA's) may have left behind. */
const LEFTOVER_PASSWORDS = [TEMP_PASSWORD, ""];
/** hdparm's own estimate can reach hours on spinning disks; don't kill the erase early. */
const ERASE_TIMEOUT_MS = 24 * 3600 * 1000;

async function readSecurity(deps: EraseDeps, path: string): Promise<AtaSecurity | null> {
  const r = await deps.exec("hdparm", ["-I", path], { signal: deps.signal });
  return r.failed ? null : parseHdparmSecurity(r.stdout);
}

/** Tries to unlock and disable a password left by an earlier attempt; returns the new state. */
async function clearLeftoverPassword(deps: EraseDeps, path: string, sec: AtaSecurity): Promise<AtaSecurity | null> {
  let state: AtaSecurity | null = sec;
  for (const password of LEFTOVER_PASSWORDS) {
    if (!state?.enabled) break;
    if (state.locked) await deps.exec("hdparm", ["--user-master", "u", "--security-unlock", password, path], { signal: deps.signal });
    await deps.exec("hdparm", ["--user-master", "u", "--security-disable", password, path], { signal: deps.signal });
    state = await readSecurity(deps, path);
  }
  return state;
}

/**
 * @example
 * const out = await ataSecurityErase(deps, "/dev/sda");
 * if (out.status === "refused") console.log(out.reason); // "drive security is frozen..."
 */
export async function ataSecurityErase(deps: EraseDeps, path: string): Promise<MethodOutcome> {
  let sec = await readSecurity(deps, path);
  if (!sec || !sec.supported) return { status: "unsupported", reason: "no ATA security feature set (hdparm -I)" };
  const method = sec.enhancedEraseSupported ? "ata_security_erase_enhanced" : "ata_security_erase";
  if (sec.frozen) {
    return { status: "refused", method, reason: "drive security is frozen (the firmware froze it at boot; a suspend/resume or hot-plug may unfreeze it)" };
  }
  if (sec.enabled) {
    sec = await clearLeftoverPassword(deps, path, sec);
    if (!sec || sec.enabled) {
      return { status: "refused", method, reason: `a security password is set (${sec?.locked ? "locked" : "enabled"}) and could not be cleared` };
    }
  }
  if (sec.expired) return { status: "refused", method, reason: "security count expired; power-cycle the drive" };

  const set = await deps.exec("hdparm", ["--user-master", "u", "--security-set-pass", TEMP_PASSWORD, path], { signal: deps.signal });
  if (set.failed) return { status: "failed", method, reason: describeFailure(set) };
  const flag = sec.enhancedEraseSupported ? "--security-erase-enhanced" : "--security-erase";
  const erase = await deps.exec("hdparm", ["--user-master", "u", flag, TEMP_PASSWORD, path], {
    signal: deps.signal,
    timeoutMs: ERASE_TIMEOUT_MS,
  });
  const after = await readSecurity(deps, path);
  if (erase.failed) {
    // Don't leave the drive locked with our password: the next attempt (or IPA) would refuse it.
    if (after?.enabled) await clearLeftoverPassword(deps, path, after);
    return { status: "failed", method, reason: describeFailure(erase) };
  }
  if (!after || after.enabled) return { status: "failed", method, reason: "security still enabled after erase" };
  return { status: "done", method, notes: sec.estimate ? [sec.estimate] : [] };
}
