/**
 * @module common/logger
 * pino, JSON, synchronous destination (no transports: worker threads break in the compiled
 * binary). Secrets are redacted wherever they appear in a logged object, and in the message,
 * stack and fields of an error logged as `{ err }` (type and stack kept).
 */
import pino, { type Logger } from "pino";
import { maskSecrets } from "./secrets.ts";

export type { Logger };

/** Keys whose values pino replaces with `***` wherever we log them (top level and two levels down). */
const REDACT_KEYS = [
  "agent_token",
  "agent_secret_token",
  "token",
  "password",
  "ipmi_password",
  "redfish_password",
  "snmp_community",
  "image_server_password",
  "image_request_authorization",
  "configdrive",
];

/**
 * pino's error serializer (type, message, stack, own fields, cause), with secrets masked in
 * its text: an error message may quote a URL with credentials or a tool's command line.
 * @example
 * log.error({ err: new Error("GET https://u:pw@bmc/ failed") }, "x"); // err.message "GET https://u:******@bmc/ failed"
 */
export function serializeError(err: unknown): unknown {
  return maskSecrets(pino.stdSerializers.err(err as Error));
}

/** Paths pino redacts, at any depth we log. */
export const REDACT_PATHS = [
  ...REDACT_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
  "headers.authorization",
  "*.headers.authorization",
];

export interface LoggerOptions {
  level?: string;
  name?: string;
  /** File descriptor or path to write to; default stdout (fd 1). */
  destination?: number | string;
  /** Extra stream to tee records into (e.g. the in-memory ring kept for collect_system_logs). */
  tee?: { write(line: string): void };
}

/**
 * Creates the process logger.
 * @example
 * const log = createLogger({ level: "debug", name: "agent" });
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  // A log that cannot be written (disk full, closed pipe) must not stop the process: the
  // destination keeps unwritten lines and retries them with the next line, up to 8 MiB, then
  // drops new ones (memory stays bounded).
  const dest = pino.destination({ dest: options.destination ?? 1, sync: true, maxLength: 8 * 1024 * 1024 });
  dest.on("error", () => {});
  const stream = options.tee
    ? {
        write(line: string) {
          dest.write(line);
          options.tee!.write(line);
        },
      }
    : dest;
  return pino(
    {
      level: options.level ?? "info",
      name: options.name,
      redact: { paths: REDACT_PATHS, censor: "***" },
      serializers: { err: serializeError },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    stream,
  );
}

/** A logger that drops everything (tests, library defaults). */
export function createSilentLogger(): Logger {
  return pino({ level: "silent" });
}
