/**
 * @module hardware-managers/generic/erase/nvme-format
 * NVMe erase: `nvme format` with crypto erase (`-s 2`) when FNA bit 2 says it is supported,
 * else user-data erase (`-s 1`); needs OACS bit 1 (Format NVM supported).
 */
import { parseNvmeIdCtrl } from "../device/nvme-id-ctrl.ts";
import { describeFailure } from "../device/describe-failure.ts";
import type { EraseDeps, MethodOutcome } from "./outcome.ts";

/** NVMe namespaces are /dev/nvme<ctrl>n<ns>; controllers (/dev/nvme0) can't be formatted this way. */
export const isNvmeNamespace = (path: string) => /^\/dev\/nvme\d+n\d+$/.test(path);

/**
 * @example
 * const out = await nvmeFormatErase(deps, "/dev/nvme0n1");
 * if (out.status === "done") console.log(out.method); // "nvme_crypto_format"
 */
export async function nvmeFormatErase(deps: EraseDeps, path: string): Promise<MethodOutcome> {
  if (!isNvmeNamespace(path)) return { status: "unsupported", reason: "not an NVMe namespace" };
  const id = await deps.exec("nvme", ["id-ctrl", path, "-o", "json"], { signal: deps.signal });
  const ctrl = id.failed ? null : parseNvmeIdCtrl(id.stdout);
  if (!ctrl) return { status: "unsupported", reason: id.failed ? describeFailure(id) : "unreadable nvme id-ctrl output" };
  if (!ctrl.formatSupported) return { status: "unsupported", reason: "controller does not support Format NVM (oacs bit 1 clear)" };
  const crypto = ctrl.cryptoEraseSupported;
  const method = crypto ? "nvme_crypto_format" : "nvme_user_data_format";
  // --force: newer nvme-cli asks for confirmation on a terminal otherwise.
  const r = await deps.exec("nvme", ["format", path, "-s", crypto ? "2" : "1", "--force"], { signal: deps.signal });
  if (r.failed) return { status: "failed", method, reason: describeFailure(r) };
  return { status: "done", method, notes: [`${ctrl.model} (${ctrl.serial}) firmware ${ctrl.firmware}`] };
}
