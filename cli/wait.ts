/**
 * @module cli/wait
 * Waits for a node to reach a state, drawing progress (current step, bytes written, rate,
 * ETA) and failing with the node's `last_error` when it lands in a failure state. A conductor
 * that is restarting (connection refused, 502/503/504) does not end the wait: the work goes on
 * on the server, so the CLI says so and polls again until the node decides or time runs out.
 */
import { ApiError, type ApiClient } from "./client.ts";
import { progressLine } from "./format.ts";

const FAILURES = new Set(["deploy failed", "clean failed", "inspect failed", "error"]);

type Stream = { write(s: string): void; isTTY?: boolean };

export interface PollOptions {
  timeoutS: number;
  intervalMs?: number;
  /** Where "conductor unavailable, retrying..." goes (stderr); null: silent. */
  notices?: Stream | null;
}

export interface WaitOptions extends PollOptions {
  /** States that end the wait successfully. */
  target: string[];
  /** Draw a live bar on this stream (TTY: redrawn in place; otherwise a line per change). */
  progress?: Stream | null;
  /** A node going back to this state means the request failed (e.g. manage -> enroll). */
  failBackTo?: string;
}

export type WaitResult = { ok: true; node: any } | { ok: false; node: any; reason: string };

/** The conductor is down or restarting, as opposed to refusing the request. */
function unavailable(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 0 || e.status === 502 || e.status === 503 || e.status === 504);
}

/**
 * Polls the node until `decide` returns a result or time runs out (`result: null`).
 * Other API errors (404: node deleted) end the wait with that error.
 * @example
 * const { result } = await pollNode(api, "web-1", { timeoutS: 60 }, (n) => (n.target_power_state ? undefined : { ok: true, node: n }));
 */
export async function pollNode(
  api: ApiClient,
  ident: string,
  o: PollOptions,
  decide: (node: any) => WaitResult | undefined,
  onTick?: (node: any) => void,
): Promise<{ result: WaitResult | null; last: any }> {
  const end = Date.now() + o.timeoutS * 1000;
  let node: any;
  let down = false;
  while (Date.now() < end) {
    try {
      node = await api.request("GET", `/v1/nodes/${encodeURIComponent(ident)}`);
      if (down) o.notices?.write("conductor is back\n");
      down = false;
    } catch (e) {
      if (!unavailable(e)) throw e;
      if (!down) o.notices?.write(`conductor unavailable (${(e as Error).message}), retrying...\n`);
      down = true;
      await Bun.sleep(Math.max(o.intervalMs ?? 500, 1000));
      continue;
    }
    const result = decide(node);
    if (result) return { result, last: node };
    onTick?.(node);
    await Bun.sleep(o.intervalMs ?? 500);
  }
  return { result: null, last: node };
}

/**
 * The node's progress line: its state, the running step and, when the agent reported
 * progress for that very step, bytes and rate. Only the running kind's progress counts (a
 * deploy starts with the last cleaning's `clean_progress` still stored; it is not the deploy's).
 * @example
 * nodeProgress({ provision_state: "wait call-back", deploy_step: { step: "write_image" }, driver_internal_info: { deploy_progress: { step: "write_image", ... } } });
 * // "wait call-back: [####...] 40% ... write_image (download)"
 */
export function nodeProgress(node: any): string {
  const state = node.provision_state as string;
  const dii = node.driver_internal_info ?? {};
  const kind = node.deploy_step?.step ? "deploy" : node.clean_step?.step ? "clean" : null;
  const step: string | undefined = kind === "deploy" ? node.deploy_step.step : kind === "clean" ? node.clean_step.step : undefined;
  const p = kind ? dii[`${kind}_progress`] : null;
  return p && p.step === step ? `${state}: ${progressLine(p)}` : `${state}${step ? `: ${step}` : ""}`;
}

/**
 * @example
 * const r = await waitForState(api, "web-1"," { target: ["active"], timeoutS: 3600, progress: process.stderr });
 */
export async function waitForState(api: ApiClient, ident: string, o: WaitOptions): Promise<WaitResult> {
  let lastLine = "";
  let sawTransient = false;
  const clear = () => {
    if (o.progress?.isTTY && lastLine) o.progress.write("\r\x1b[K");
    lastLine = "";
  };
  const notices = o.notices && o.progress?.isTTY ? { write: (s: string) => (clear(), o.notices!.write(s)) } : o.notices;
  const { result, last } = await pollNode(
    api,
    ident,
    { ...o, notices },
    (node) => {
      const state = node.provision_state as string;
      if (node.target_provision_state) sawTransient = true;
      if (o.target.includes(state) && !node.target_provision_state) return { ok: true, node };
      if (FAILURES.has(state) || (o.failBackTo === state && sawTransient && !node.target_provision_state)) {
        return { ok: false, node, reason: node.last_error ?? `node is in state ${state}` };
      }
      return undefined;
    },
    (node) => {
      if (!o.progress) return;
      const line = nodeProgress(node);
      if (line !== lastLine) {
        o.progress.write(o.progress.isTTY ? `\r\x1b[K${line}` : `${line}\n`);
        lastLine = line;
      }
    },
  );
  clear();
  return result ?? { ok: false, node: last, reason: `timed out after ${o.timeoutS} s waiting for ${o.target.join("/")} (state: ${last?.provision_state})` };
}

/**
 * Waits for a power action to end: `target_power_state` cleared, then success when the node is
 * in `expected`, failure with `last_error` otherwise.
 * @example
 * const r = await waitForPower(api, "web-1", "power on", { timeoutS: 90, notices: process.stderr });
 */
export async function waitForPower(api: ApiClient, ident: string, expected: string, o: PollOptions): Promise<WaitResult> {
  const { result, last } = await pollNode(api, ident, o, (node) => {
    if (node.target_power_state) return undefined;
    if (node.last_error) return { ok: false, node, reason: node.last_error };
    if (node.power_state === expected) return { ok: true, node };
    return { ok: false, node, reason: `the node is in "${node.power_state}", not "${expected}"` };
  });
  return result ?? { ok: false, node: last, reason: `timed out after ${o.timeoutS} s waiting for "${expected}" (power state: ${last?.power_state})` };
}
