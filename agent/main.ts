/**
 * @module agent/main
 * `teeth agent`: the only place the agent reads argv, the kernel command line and signals.
 */
import { readFile } from "node:fs/promises";
import { createExec } from "../common/exec.ts";
import { createLogger } from "../common/logger.ts";
import { TEETH_VERSION } from "../common/version.ts";
import { startAgent } from "./agent.ts";
import { ConfigError, agentHelp, buildAgentConfig, isBooleanParameter } from "./config/agent-config.ts";
import { parseCmdline, parseFlags } from "./config/parse-sources.ts";
import { createLogRing } from "./logs/log-ring.ts";

export async function runAgent(argv: string[], _env: NodeJS.ProcessEnv): Promise<number> {
  const flags = parseFlags(argv, isBooleanParameter);
  if (flags.help) {
    process.stdout.write(agentHelp(TEETH_VERSION));
    return 0;
  }
  if (flags.errors.length) {
    process.stderr.write(`teeth agent: ${flags.errors.join("\n")}\nRun 'teeth agent --help'.\n`);
    return 2;
  }
  // The command-line file itself can only come from a flag.
  const cmdlineFile = flags.params.findLast((p) => p.name === "teeth-cmdline-file")?.value ?? "/proc/cmdline";
  const cmdlineText = await readFile(cmdlineFile, "utf8").catch(() => "");
  let built;
  try {
    built = buildAgentConfig([...parseCmdline(cmdlineText), ...flags.params]);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`teeth agent: invalid parameters:\n  ${error.problems.join("\n  ")}\n`);
      return 2;
    }
    throw error;
  }
  const { config, unknown } = built;
  const ring = createLogRing();
  const logger = createLogger({
    level: config.debug ? "debug" : "info",
    name: "teeth-agent",
    destination: config.logFile ?? 1,
    tee: ring,
  });
  for (const p of unknown) logger.debug({ parameter: p.name, source: p.source }, "unknown parameter ignored");

  // The agent outlives any bug in a command: log and carry on.
  process.on("uncaughtException", (error) => logger.error({ err: error }, "uncaught exception"));
  process.on("unhandledRejection", (error) => logger.error({ err: error }, "unhandled rejection"));

  logger.info({ version: TEETH_VERSION, api_urls: config.apiUrls, cmdline: cmdlineFile }, "teeth agent starting");
  const agent = await startAgent({ config, logger, ring, exec: createExec() });
  const onSignal = (signal: string) => {
    logger.info({ signal }, "stopping");
    void agent.stop();
  };
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  process.once("SIGINT", () => onSignal("SIGINT"));
  await agent.stopped;
  if (agent.state.lockedDown) {
    // Locked down: stay alive (IPA keeps the process) but do nothing more.
    logger.warn("agent locked down; idling until the machine is powered off");
    await new Promise<void>((resolve) => {
      process.once("SIGTERM", resolve);
      process.once("SIGINT", resolve);
    });
  }
  return 0;
}
