/**
 * @module agent/extensions/log
 * `log.collect_system_logs`: the agent's and the system's logs as IPA's gzipped tarball.
 */
import { defineCommand, defineExtension, type Extension } from "../commands/extension.ts";
import { collectSystemLogs } from "../logs/collect-system-logs.ts";
import { NoParams } from "./no-params.ts";
import type { AgentServices } from "./services.ts";

export function createLogExtension(services: AgentServices): Extension {
  return defineExtension("log", {
    collect_system_logs: defineCommand({
      async: false,
      params: NoParams,
      async run() {
        return { system_logs: await collectSystemLogs(services) };
      },
    }),
  });
}
