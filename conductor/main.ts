/**
 * @module conductor/main
 * `teeth conductor [--config FILE] [--data-dir DIR] [--listen HOST:PORT] [--public-url URL]
 * [--log-level LEVEL]`: reads argv and the config file, starts the control plane, stops on
 * SIGINT/SIGTERM. The only place of the conductor that reads argv and the environment.
 */
import { parseArgs } from "node:util";
import { isTeethError } from "../common/branded-error.ts";
import { createLogger } from "../common/logger.ts";
import { TEETH_VERSION } from "../common/version.ts";
import { buildConfig, readConfigFile, resolveListenHost, type ConfigSources } from "./config/load.ts";
import { createConductor } from "./conductor.ts";

const HELP = `teeth conductor: the control plane (Ironic-compatible API, ramdisk API, images)

Usage: teeth conductor [options]

Options:
  --config FILE        JSON config file (see conductor/config/README.md)
  --data-dir DIR       store and images (default /var/lib/teeth as root, else ./teeth-data)
  --listen HOST:PORT   API address (default 127.0.0.1:6385)
  --public-url URL     URL agents use to reach this conductor (default http://<listen>)
  --log-level LEVEL    fatal|error|warn|info|debug|trace|silent (default info)
  -h, --help           show this help
`;

/**
 * @example
 * process.exit(await runConductor(["--listen", "127.0.0.1:6385"], process.env));
 */
export async function runConductor(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: "string" },
        "data-dir": { type: "string" },
        listen: { type: "string" },
        "public-url": { type: "string" },
        "log-level": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`teeth conductor: ${(e as Error).message}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  let config;
  try {
    const configPath = (values.config as string | undefined) ?? env.TEETH_CONDUCTOR_CONFIG;
    const sources: ConfigSources = {
      file: configPath ? readConfigFile(configPath) : undefined,
      flags: {
        data_dir: values["data-dir"] as string | undefined,
        listen: values.listen as string | undefined,
        public_url: values["public-url"] as string | undefined,
        log_level: values["log-level"] as string | undefined,
      },
      isRoot: process.getuid?.() === 0,
    };
    config = buildConfig({ ...sources, listenAddresses: await resolveListenHost(sources) });
  } catch (e) {
    process.stderr.write(`teeth conductor: ${isTeethError(e) ? e.message : String(e)}\n`);
    return 2;
  }
  const logger = createLogger({ level: config.log_level, name: "conductor" });
  let conductor;
  try {
    conductor = createConductor(config, { logger });
    conductor.start();
  } catch (e) {
    logger.fatal({ err: e }, "conductor failed to start");
    process.stderr.write(`teeth conductor: ${(e as Error).message}\n`);
    return 1;
  }
  logger.info({ version: TEETH_VERSION }, "teeth conductor ready");
  const stop = async (signal: string) => {
    logger.info({ signal }, "stopping");
    await conductor.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  return -1; // keep running; main.ts does not exit on -1
}
