/**
 * @module agent/extensions/steps-extension
 * `clean`, `deploy` and `service`: one factory, since IPA's three step extensions differ only
 * in names. `get_<kind>_steps` lists the managers' steps; `execute_<kind>_step` checks the
 * hardware-manager versions, then dispatches the step to the first manager implementing it.
 */
import { ExecuteStepParamsSchema, GetStepsParamsSchema, type StepKind } from "../../protocol/steps.ts";
import { defineCommand, defineExtension, type Extension } from "../commands/extension.ts";
import { AgentErrors } from "../errors.ts";
import type { AgentServices } from "./services.ts";

function versionsDiffer(actual: Record<string, string>, expected: Record<string, string>): boolean {
  const a = Object.keys(actual).sort();
  const e = Object.keys(expected).sort();
  return a.length !== e.length || a.some((k, i) => k !== e[i] || actual[k] !== expected[k]);
}

/**
 * @example createStepsExtension("clean", services) // clean.get_clean_steps, clean.execute_clean_step
 */
export function createStepsExtension(kind: StepKind, services: AgentServices): Extension {
  const versionKey = `${kind}_version` as const;
  return defineExtension(kind, {
    [`get_${kind}_steps`]: defineCommand({
      async: true,
      params: GetStepsParamsSchema,
      async run(params, command) {
        const ctx = services.managerContext(command, params);
        const steps = await services.registry.steps(kind, ctx, { node: params.node, ports: params.ports });
        return { [`${kind}_steps`]: steps, hardware_manager_version: services.registry.versions() };
      },
    }),
    [`execute_${kind}_step`]: defineCommand({
      async: true,
      params: ExecuteStepParamsSchema,
      async run(params, command) {
        const expected = params[versionKey];
        const actual = services.registry.versions();
        if (expected && Object.keys(expected).length && versionsDiffer(actual, expected)) {
          throw AgentErrors.versionMismatch(actual, expected);
        }
        const ctx = services.managerContext(command, params);
        services.logger.info({ step: params.step.step, interface: params.step.interface }, `executing ${kind} step`);
        const { result, manager } = await services.registry.dispatch(params.step.step, ctx, params.step.args);
        services.logger.info({ step: params.step.step, manager }, `${kind} step done`);
        return { [`${kind}_result`]: result ?? null, [`${kind}_step`]: params.step };
      },
    }),
  });
}
