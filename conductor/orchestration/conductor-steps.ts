/**
 * @module conductor/orchestration/conductor-steps
 * Deploy steps the conductor runs itself (Ironic's direct deploy): make the node boot from
 * disk, stop the agent (via the agent, then the BMC), power the node on.
 */
import type { NodeRecord } from "../store/node-record.ts";
import { setPower } from "./agent-lifecycle.ts";
import type { ConductorContext } from "./context.ts";
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
      try {
        await ctx.agent.execute(node, "standby.sync", {}, { wait: true });
        // The agent may never answer a power_off; a lost response is expected.
        await Promise.race([ctx.agent.execute(node, "standby.power_off", {}), Bun.sleep(5000)]);
      } catch (e) {
        ctx.log.info({ node: node.uuid, err: e }, "agent power off did not answer; using the BMC");
      }
      await setPower(ctx, node, "power off");
      return;
    case "boot_instance":
      await setPower(ctx, ctx.store.nodes.get(node.uuid) ?? node, "power on");
      return;
    default:
      throw new Error(`unknown conductor step ${step.step}`);
  }
}
