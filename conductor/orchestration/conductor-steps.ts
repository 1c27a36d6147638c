/**
 * @module conductor/orchestration/conductor-steps
 * Deploy steps the conductor runs itself (Ironic's direct deploy): make the node boot from
 * disk, stop the agent (via the agent, then the BMC), power the node on. With
 * `deploy_reboot_method: kexec` the agent jumps into the deployed OS instead of the two power
 * actions; if it cannot, the reason goes to the node's history and the firmware reboot runs.
 */
import type { NodeRecord } from "../store/node-record.ts";
import { setPower } from "./agent-lifecycle.ts";
import type { ConductorContext } from "./context.ts";
import { kexecIntoInstance } from "./kexec-instance.ts";
import { recordHistory } from "./node-history.ts";
import { rebootMethod } from "./reboot-method.ts";

/** driver_internal_info key: the deployed OS was entered by kexec, so boot_instance has nothing to power on. */
const KEXEC_BOOTED = "deploy_kexec_booted";
import type { PlannedStep } from "./step-plan.ts";

/**
 * Runs one conductor step; throws (a catalogued error) on failure.
 * @example
 * await runConductorStep(ctx, node, { step: "boot_instance", interface: "deploy", args: {}, priority: 20, agent: false });
 */
export async function runConductorStep(ctx: ConductorContext, node: NodeRecord, step: PlannedStep): Promise<void> {
  const driver = ctx.drivers.get(node.driver);
  switch (step.step) {
    case "prepare_instance_boot":
      await driver.boot.prepareInstance(node);
      await driver.management.setBootDevice(node, "disk", { persistent: true });
      return;
    case "tear_down_agent":
      if (rebootMethod(node) === "kexec" && (await kexecInstead(ctx, node))) return;
      try {
        await ctx.agent.execute(node, "standby.sync", {}, { wait: true });
        // The agent may never answer a power_off; a lost response is expected.
        await Promise.race([ctx.agent.execute(node, "standby.power_off", {}), Bun.sleep(5000)]);
      } catch (e) {
        ctx.log.info({ node: node.uuid, err: e }, "agent power off did not answer; using the BMC");
      }
      await setPower(ctx, node, "power off");
      return;
    case "boot_instance": {
      const current = ctx.store.nodes.get(node.uuid) ?? node;
      if (current.driver_internal_info[KEXEC_BOOTED]) {
        const { [KEXEC_BOOTED]: _, ...dii } = current.driver_internal_info;
        const state = await driver.power.getPowerState(current);
        ctx.store.nodes.update(node.uuid, { driver_internal_info: dii, power_state: state, target_power_state: null });
        return;
      }
      await setPower(ctx, current, "power on");
      return;
    }
    default:
      throw new Error(`unknown conductor step ${step.step}`);
  }
}

/** Tries the kexec; true when the node runs the deployed OS now, false (reason recorded) to reboot it through the firmware. */
async function kexecInstead(ctx: ConductorContext, node: NodeRecord): Promise<boolean> {
  await ctx.agent.execute(node, "standby.sync", {}, { wait: true }).catch(() => {});
  const r = await kexecIntoInstance(ctx, node);
  if (!r.ok) {
    ctx.log.warn({ node: node.uuid, reason: r.reason }, "kexec into the deployed OS not used; rebooting through the firmware");
    recordHistory(ctx, node.uuid, "ERROR", "deploy", `kexec into the deployed OS not used, rebooting through the firmware instead: ${r.reason}`);
    return false;
  }
  ctx.log.info({ node: node.uuid, detail: r.detail }, "booted the deployed OS with kexec");
  recordHistory(ctx, node.uuid, "INFO", "deploy", `booted the deployed OS with kexec (no firmware reboot): ${r.detail}`);
  const current = ctx.store.nodes.get(node.uuid) ?? node;
  ctx.store.nodes.update(node.uuid, { driver_internal_info: { ...current.driver_internal_info, [KEXEC_BOOTED]: true } });
  return true;
}
