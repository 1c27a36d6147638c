/**
 * @module hardware-managers/generic/firmware/download
 * Downloads one firmware image to a file, hashing as it streams and stopping at a size cap,
 * so a wrong or oversized file is refused without ever being handed to a flasher.
 * Failures are values; connection errors and 5xx are retried, 4xx and mismatches are not.
 */
import { open } from "node:fs/promises";
import type { ManagerConfig } from "../../contract/index.ts";
import type { ParsedChecksum } from "./checksum.ts";
import type { DownloadProblem } from "./errors.ts";

export type DownloadResult =
  | { ok: true; path: string; bytes: number; digest: string; seconds: number }
  | { ok: false; problem: DownloadProblem; reason: string };

type Verified = Extract<ParsedChecksum, { ok: true }>;

async function attempt(url: string, dest: string, checksum: Verified, maxBytes: number, signal: AbortSignal): Promise<DownloadResult & { retry?: boolean }> {
  const started = performance.now();
  let res: Response;
  try {
    res = await fetch(url, { signal });
  } catch (error) {
    return { ok: false, problem: "downloadFailed", reason: `${url}: ${(error as Error).message}`, retry: !signal.aborted };
  }
  if (!res.ok || !res.body) {
    return { ok: false, problem: "downloadFailed", reason: `${url}: HTTP ${res.status}`, retry: res.status >= 500 };
  }
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) {
    await res.body.cancel();
    return { ok: false, problem: "imageTooLarge", reason: `${url}: ${declared} bytes exceeds the cap of ${maxBytes}` };
  }
  const hasher = new Bun.CryptoHasher(checksum.algorithm);
  const file = await open(dest, "w", 0o600);
  let bytes = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        return { ok: false, problem: "imageTooLarge", reason: `${url}: more than the cap of ${maxBytes} bytes` };
      }
      hasher.update(chunk);
      await file.write(chunk);
    }
  } catch (error) {
    return { ok: false, problem: "downloadFailed", reason: `${url}: ${(error as Error).message}`, retry: !signal.aborted };
  } finally {
    await file.close();
  }
  if (Number.isFinite(declared) && bytes !== declared) {
    return { ok: false, problem: "downloadFailed", reason: `${url}: got ${bytes} of ${declared} bytes`, retry: true };
  }
  const digest = hasher.digest("hex");
  if (digest !== checksum.hex) {
    return { ok: false, problem: "checksumMismatch", reason: `${url}: ${checksum.algorithm} is ${digest}, expected ${checksum.hex}` };
  }
  return { ok: true, path: dest, bytes, digest, seconds: (performance.now() - started) / 1000 };
}

/**
 * @example
 * const r = await downloadFirmware(url, "/tmp/fw/0.bin", checksum, 64 << 20, ctx.config.imageDownload, ctx.signal);
 * if (!r.ok) throw FirmwareErrors[r.problem](component, r.reason, report);
 */
export async function downloadFirmware(
  url: string,
  dest: string,
  checksum: Verified,
  maxBytes: number,
  policy: ManagerConfig["imageDownload"],
  signal: AbortSignal,
): Promise<DownloadResult> {
  const signals = [signal, ...(policy.maxDurationS > 0 ? [AbortSignal.timeout(policy.maxDurationS * 1000)] : [])];
  const combined = AbortSignal.any(signals);
  let last: DownloadResult & { retry?: boolean } = { ok: false, problem: "downloadFailed", reason: "not attempted" };
  for (let i = 0; i <= policy.connectionRetries; i++) {
    if (i > 0) await Bun.sleep(policy.retryIntervalS * 1000);
    last = await attempt(url, dest, checksum, maxBytes, combined);
    if (last.ok || !last.retry) break;
  }
  const { retry: _retry, ...result } = last;
  return result;
}
