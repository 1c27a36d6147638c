/**
 * @module agent/extensions/system
 * `system.lockdown`: answer, then stop heartbeats and the API and take the NICs down.
 */
import { defineCommand, defineExtension, type Extension } from "../commands/extension.ts";
import { NoParams } from "./no-params.ts";
import type { AgentServices } from "./services.ts";

export function createSystemExtension(services: AgentServices): Extension {
  return defineExtension("system", {
    lockdown: defineCommand({
      async: true,
      params: NoParams,
      run: () => "locking down",
      after: () => services.lockdown(),
    }),
  });
}
