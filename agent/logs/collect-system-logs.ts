/**
 * @module agent/logs/collect-system-logs
 * `log.collect_system_logs`: a base64 gzip tarball of the agent log, dmesg and the output of
 * the tools an operator would run first, as IPA returns it (`{"system_logs": ...}`).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Exec } from "../../common/exec.ts";
import type { Logger } from "../../common/logger.ts";
import type { LogRing } from "./log-ring.ts";

/** Tools whose output goes into the tarball; a missing tool leaves a note, not a failure. */
const COMMANDS: Array<[file: string, cmd: string, args: string[]]> = [
  ["dmesg.txt", "dmesg", []],
  ["ip-addr.txt", "ip", ["addr"]],
  ["ip-route.txt", "ip", ["route"]],
  ["lsblk.txt", "lsblk", ["--all", "-o", "NAME,SIZE,TYPE,MODEL,SERIAL,WWN,FSTYPE,LABEL,UUID,PARTUUID,MOUNTPOINT"]],
  ["df.txt", "df", ["-a"]],
  ["mount.txt", "mount", []],
  ["ps.txt", "ps", ["aux"]],
  ["lspci.txt", "lspci", ["-nn"]],
  ["mdstat.txt", "cat", ["/proc/mdstat"]],
];

/** Secrets that may sit on the kernel command line. */
const SECRET_PARAM = /\b(ipa-agent-token|ipa-ironic-api-token|[a-z_-]*password[a-z_-]*)=\S+/gi;

export async function collectSystemLogs(deps: { exec: Exec; logger: Logger; ring: LogRing; cmdlineFile: string }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "teeth-logs-"));
  try {
    const files: string[] = ["teeth-agent.log", "cmdline.txt"];
    await writeFile(join(dir, "teeth-agent.log"), deps.ring.lines().join(""));
    const cmdline = await readFile(deps.cmdlineFile, "utf8").catch(() => "");
    await writeFile(join(dir, "cmdline.txt"), cmdline.replace(SECRET_PARAM, "$1=***"));
    await Promise.all(
      COMMANDS.map(async ([file, cmd, args]) => {
        const r = await deps.exec(cmd, args, { timeoutMs: 15_000 });
        const text = r.failed ? `# ${r.command} failed (exit ${r.exitCode})\n${r.stdout}${r.stderr}` : r.stdout;
        await writeFile(join(dir, file), text);
        files.push(file);
      }),
    );
    const out = join(dir, "..", `${dir.split("/").pop()}.tar.gz`);
    const tar = await deps.exec("tar", ["-czf", out, "-C", dir, ...files.sort()]);
    if (tar.failed) throw new Error(`tar failed: ${tar.stderr.trim()}`);
    const bytes = await readFile(out);
    await rm(out, { force: true });
    deps.logger.info({ bytes: bytes.length }, "system logs collected");
    return bytes.toString("base64");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
