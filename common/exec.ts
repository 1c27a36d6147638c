/**
 * @module common/exec
 * The seam through which every external tool runs. A tool that exits non-zero is a value
 * (`failed: true`), not an exception: callers decide what a failure means.
 */
import { execa } from "execa";

export interface ExecOptions {
  /** Bytes or text written to the tool's stdin. */
  input?: string | Uint8Array;
  /** Extra environment (merged over the agent's). Use this, never argv, for secrets. */
  env?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
  cwd?: string;
}

export interface ExecResult {
  /** The command line, for logs and error details. */
  command: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** True when the tool could not start, exited non-zero, timed out or was killed. */
  failed: boolean;
  timedOut: boolean;
}

/** Runs `file` with `args` and resolves with the outcome; never rejects. */
export type Exec = (file: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

/**
 * The real implementation, on execa.
 * @example
 * const exec = createExec();
 * const r = await exec("lsblk", ["--json"]);
 * if (r.failed) log.warn({ stderr: r.stderr }, "lsblk failed");
 */
export function createExec(): Exec {
  return async (file, args, options = {}) => {
    const r = await execa(file, [...args], {
      reject: false,
      input: options.input as string | undefined,
      env: options.env,
      timeout: options.timeoutMs,
      cancelSignal: options.signal,
      cwd: options.cwd,
      stripFinalNewline: false,
      maxBuffer: 64 * 1024 * 1024,
    });
    return {
      command: [file, ...args].join(" "),
      exitCode: r.exitCode ?? null,
      stdout: String(r.stdout ?? ""),
      stderr: String(r.stderr ?? ""),
      failed: Boolean(r.failed),
      timedOut: Boolean(r.timedOut),
    };
  };
}
