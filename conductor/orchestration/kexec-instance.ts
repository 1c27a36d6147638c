/**
 * @module conductor/orchestration/kexec-instance
 * The end of a deploy with `deploy_reboot_method: kexec`: ask the agent to `kexec` into the
 * OS it wrote (`standby.kexec_boot`), then make sure it did: the agent answers only once the
 * kernel is loaded, and must then stop answering within `agent.kexec_confirm_s`. Any other
 * outcome (a refusal, a failed load, a lost answer, an agent still there) is a reason, and
 * the caller reboots through the firmware, so a node never ends up booting nothing.
 */
import type { CommandResult } from "../../protocol/agent-commands.ts";
import type { NodeRecord } from "../store/node-record.ts";
import type { ConductorContext } from "./context.ts";

export type KexecOutcome = { ok: true; detail: string } | { ok: false; reason: string };

function describe(r: CommandResult): string {
  const e = r.command_error as { type?: string; details?: string; message?: string } | null;
  return e ? `${e.type ?? "error"}: ${e.details ?? e.message ?? "no details"}` : `status ${r.command_status}`;
}

/** How long one liveness probe waits: the address of an agent that kexec'd is silent, not refusing. */
const PROBE_TIMEOUT_S = 3;

/**
 * True once the agent no longer answers (its RAM disk is gone): two probes in a row without an
 * answer, so one slow answer on a loaded host is not taken for a kexec.
 */
async function agentGone(ctx: ConductorContext, node: NodeRecord, withinS: number): Promise<boolean> {
  const end = Date.now() + withinS * 1000;
  let missed = 0;
  for (;;) {
    try {
      await ctx.agent.listCommands(node, { timeoutS: PROBE_TIMEOUT_S });
      missed = 0;
    } catch {
      if (++missed >= 2) return true;
      await Bun.sleep(250); // confirm at once, even at the deadline
      continue;
    }
    if (Date.now() >= end) return false;
    await Bun.sleep(1000);
  }
}

/**
 * @example
 * const r = await kexecIntoInstance(ctx, node);
 * if (!r.ok) recordHistory(ctx, node.uuid, "ERROR", "deploy", r.reason);
 */
export async function kexecIntoInstance(ctx: ConductorContext, node: NodeRecord): Promise<KexecOutcome> {
  const imageType = node.instance_info.image_type === "partition" ? "partition" : "whole-disk";
  let r: CommandResult;
  try {
    r = await ctx.agent.execute(node, "standby.kexec_boot", { image_type: imageType }, { wait: true });
  } catch (e) {
    return { ok: false, reason: `the agent's standby.kexec_boot did not answer: ${(e as Error).message}` };
  }
  if (r.command_status !== "SUCCEEDED") return { ok: false, reason: `the agent refused or failed standby.kexec_boot: ${describe(r)}` };
  if (!(await agentGone(ctx, node, ctx.config.agent.kexec_confirm_s))) {
    return { ok: false, reason: `the agent still answers ${ctx.config.agent.kexec_confirm_s} s after standby.kexec_boot: kexec -e did not happen` };
  }
  const result = r.command_result as { result?: unknown } | null;
  return { ok: true, detail: typeof result?.result === "string" ? result.result : "kexec_boot succeeded" };
}
