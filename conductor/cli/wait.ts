/**
 * @module conductor/cli/wait
 * Waits for a node to reach a state, drawing progress (current step, bytes written, rate,
 * ETA) and failing with the node's `last_error` when it lands in a failure state.
 */
import type { ApiClient } from "./client.ts";
import { progressLine } from "./format.ts";

const FAILURES = new Set(["deploy failed", "clean failed", "inspect failed", "error"]);

export interface WaitOptions {
  /** States that end the wait successfully. */
  target: string[];
  timeoutS: number;
  /** Draw a live bar on this stream (TTY: redrawn in place; otherwise a line per change). */
  progress?: { write(s: string): void; isTTY?: boolean } | null;
  intervalMs?: number;
  /** A node going back to this state means the request failed (e.g. manage -> enroll). */
  failBackTo?: string;
}

export type WaitResult = { ok: true; node: any } | { ok: false; node: any; reason: string };

/**
 * @example
 * const r = await waitForState(api, "web-1", { target: ["active"], timeoutS: 3600, progress: process.stderr });
 */
export async function waitForState(api: ApiClient, ident: string, o: WaitOptions): Promise<WaitResult> {
  const end = Date.now() + o.timeoutS * 1000;
  let lastLine = "";
  let sawTransient = false;
  let node: any;
  const clear = () => {
    if (o.progress?.isTTY && lastLine) o.progress.write("\r\x1b[K");
  };
  while (Date.now() < end) {
    node = await api.request("GET", `/v1/nodes/${encodeURIComponent(ident)}`);
    const state = node.provision_state as string;
    if (node.target_provision_state) sawTransient = true;
    if (o.target.includes(state) && !node.target_provision_state) {
      clear();
      return { ok: true, node };
    }
    if (FAILURES.has(state) || (o.failBackTo === state && sawTransient && !node.target_provision_state)) {
      clear();
      return { ok: false, node, reason: node.last_error ?? `node is in state ${state}` };
    }
    if (o.progress) {
      const dii = node.driver_internal_info ?? {};
      const p = dii.deploy_progress ?? dii.clean_progress;
      const step = node.deploy_step?.step ?? node.clean_step?.step;
      const line = p && (!step || p.step === step) ? `${state}: ${progressLine(p)}` : `${state}${step ? `: ${step}` : ""}`;
      if (line !== lastLine) {
        o.progress.write(o.progress.isTTY ? `\r\x1b[K${line}` : `${line}\n`);
        lastLine = line;
      }
    }
    await Bun.sleep(o.intervalMs ?? 500);
  }
  clear();
  return { ok: false, node, reason: `timed out after ${o.timeoutS} s waiting for ${o.target.join("/")} (state: ${node?.provision_state})` };
}
