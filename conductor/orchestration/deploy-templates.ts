/**
 * @module conductor/orchestration/deploy-templates
 * Which deploy templates a deploy applies, as Ironic chooses them: those named like one of
 * the node's instance traits (`instance_info.traits`, the traits the user's flavor or image
 * asked for, each of which must also be a trait of the node). Their steps join the deploy
 * (`step-plan.ts` merges them with the driver's and the operator's).
 */
import type { NodeRecord } from "../store/node-record.ts";
import { nodeTraits } from "../store/node-traits.ts";
import type { ConductorContext } from "./context.ts";
import type { TemplateSteps } from "./step-plan.ts";

/**
 * Why the node's instance traits can not be deployed, in Ironic's words, or null (no traits
 * asked for, or all of them on the node). Ironic checks this when the deploy is requested.
 * @example
 * instanceTraitsProblem(node); // "Cannot specify instance traits that are not also set on the node. ..."
 */
export function instanceTraitsProblem(node: NodeRecord): string | null {
  const asked = node.instance_info.traits;
  if (asked === undefined || asked === null || asked === "" || (Array.isArray(asked) && !asked.length)) return null;
  if (!Array.isArray(asked) || !asked.every((t) => typeof t === "string")) {
    return `Error parsing traits from Node ${node.uuid} instance_info field. A list of strings is expected.`;
  }
  const have = new Set(nodeTraits(node));
  const missing = [...new Set(asked as string[])].filter((t) => !have.has(t));
  if (!missing.length) return null;
  return `Cannot specify instance traits that are not also set on the node. Node ${node.uuid} is missing traits ${missing.join(", ")}`;
}

/**
 * The templates named by the node's instance traits (in the order the traits are listed) and
 * their steps.
 * @example
 * deployTemplateSteps(ctx, node); // { names: ["CUSTOM_RAID1"], steps: [{ interface: "raid", step: "create_configuration", ... }] }
 */
export function deployTemplateSteps(ctx: ConductorContext, node: NodeRecord): TemplateSteps {
  const asked = node.instance_info.traits;
  if (!Array.isArray(asked)) return { names: [], steps: [] };
  const templates = [...new Set(asked.filter((t): t is string => typeof t === "string"))]
    .map((name) => ctx.store.deployTemplates.by("name", name))
    .filter((t) => t !== null);
  return {
    names: templates.map((t) => t.name),
    steps: templates.flatMap((t) => t.steps.map((s) => ({ interface: s.interface, step: s.step, args: s.args, priority: s.priority }))),
  };
}
