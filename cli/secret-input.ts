/**
 * @module cli/secret-input
 * Secrets the CLI sends (BMC passwords in `--driver-info`, a configdrive) without putting
 * them on its command line, where every user on the host can read them (`ps`, /proc/PID/cmdline):
 * `KEY=@FILE` reads the value from a file, `KEY=-` from standard input, or, when standard
 * input is a terminal, from a prompt that does not echo.
 */
import { SECRET_KEY as SECRET_DRIVER_INFO } from "../common/secrets.ts";
import { keyValues } from "./args.ts";

export interface SecretSource {
  readFile(path: string): Promise<string>;
  /** All of standard input (when it is not a terminal). */
  readStdin(): Promise<string>;
  stdinIsTTY: boolean;
  /** Asks on the terminal without echo. */
  promptHidden(label: string): Promise<string>;
  /** Tells the user something (stderr). */
  warn(message: string): void;
}

/** A file's or a pipe's content without the one trailing newline editors and `echo` add. */
function chomp(s: string): string {
  return s.replace(/\r?\n$/, "");
}

/**
 * `["ipmi_address=10.0.0.5", "ipmi_password=@/run/pw", "ipmi_username=-"]` -> a dict, the
 * `@FILE`/`-` values read as strings (never JSON-typed: a password "1234" stays a string).
 * At most one value may come from a piped standard input.
 * @example
 * const info = await keyValuesWithSecrets(values["driver-info"], io.secrets);
 */
export async function keyValuesWithSecrets(items: string[] | undefined, source: SecretSource): Promise<Record<string, unknown>> {
  const out = keyValues(items);
  let stdinUsed = false;
  for (const item of items ?? []) {
    const i = item.indexOf("=");
    const key = item.slice(0, i);
    const raw = item.slice(i + 1);
    if (raw.startsWith("@") && raw.length > 1) {
      try {
        out[key] = chomp(await source.readFile(raw.slice(1)));
      } catch (e) {
        throw new Error(`cannot read ${key} from ${raw.slice(1)}: ${(e as Error).message}`);
      }
    } else if (raw === "-") {
      if (source.stdinIsTTY) {
        out[key] = await source.promptHidden(key);
      } else {
        if (stdinUsed) throw new Error(`only one value can be read from standard input ('${key}=-' is the second)`);
        stdinUsed = true;
        out[key] = chomp(await source.readStdin());
      }
    } else if (SECRET_DRIVER_INFO.test(key) && raw) {
      source.warn(`warning: ${key} on the command line is visible to other users; use ${key}=@FILE or ${key}=-`);
    }
  }
  return out;
}

/**
 * Reads `value` from a file when it is `@FILE` (for a configdrive), else returns it.
 * @example
 * const configdrive = await valueOrFile(values.configdrive, io.secrets);
 */
export async function valueOrFile(value: string | undefined, source: SecretSource): Promise<string | undefined> {
  if (!value?.startsWith("@") || value.length < 2) return value;
  return chomp(await source.readFile(value.slice(1)));
}

/**
 * The process's source: files, `Bun.stdin`, and a raw-mode terminal prompt (only `main`
 * calls this: it is the one place that touches the process's streams).
 * @example
 * const secrets = createProcessSecretSource();
 */
export function createProcessSecretSource(): SecretSource {
  return {
    readFile: (path) => Bun.file(path).text(),
    readStdin: () => Bun.stdin.text(),
    stdinIsTTY: Boolean(process.stdin.isTTY),
    warn: (message) => void process.stderr.write(`teeth: ${message}\n`),
    promptHidden(label) {
      const stdin = process.stdin;
      process.stderr.write(`${label}: `);
      stdin.setRawMode?.(true);
      stdin.resume();
      return new Promise((resolve, reject) => {
        let buf = "";
        const done = () => {
          stdin.off("data", onData);
          stdin.setRawMode?.(false);
          stdin.pause();
          process.stderr.write("\n");
        };
        const onData = (data: Buffer) => {
          for (const ch of data.toString("utf8")) {
            if (ch === "\r" || ch === "\n") return done(), resolve(buf);
            if (ch === "\u0003" || ch === "\u0004") return done(), reject(new Error("interrupted"));
            if (ch === "\u007f" || ch === "\b") buf = buf.slice(0, -1);
            else buf += ch;
          }
        };
        stdin.on("data", onData);
      });
    },
  };
}
