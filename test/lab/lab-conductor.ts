/**
 * @module test/lab/lab-conductor
 * The lab's conductor: the compiled `dist/teeth conductor`, run inside the namespace with
 * `ip netns exec`, listening on the bridge, with the ipmi driver only and network boot in
 * `full` mode (its own dnsmasq hands out addresses on the bridge). Cleaning erases metadata
 * (priority 99) and runs `erase_devices_express` (95: NVMe format, i.e. the drive's secure
 * erase, where possible, metadata elsewhere) instead of `erase_devices`, which would shred
 * the virtio disk for minutes under software emulation. `fastTrack` turns on Ironic's fast
 * track (`agent.fast_track`: after cleaning a server waits in `available` powered on with its
 * agent, and a deploy uses it); off by default, as the end-to-end test and the demo expect a
 * power cycle. Extra settings (tests' timeouts) are merged over these.
 */
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface LabConductorPlan {
  url: string;
  listen: string;
  configFile: string;
  tokenFile: string;
  log: string;
  dataDir: string;
}

type Json = Record<string, unknown>;

function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = v && typeof v === "object" && !Array.isArray(v) && out[k] && typeof out[k] === "object" ? merge(out[k] as Json, v as Json) : v;
  }
  return out;
}

/**
 * Writes the config and the operator token (0600) into `labDir`.
 * @example
 * const c = writeConductorConfig({ labDir, subnet: 81, bridge: "lab-br0", kernel, initramfs });
 */
export function writeConductorConfig(o: { labDir: string; subnet: number; bridge: string; kernel: string; initramfs: string; fastTrack?: boolean; extra?: Json }): LabConductorPlan {
  const address = `10.${o.subnet}.0.1`;
  const listen = `${address}:6385`;
  const url = `http://${listen}`;
  const tokenFile = join(o.labDir, "operator-token");
  const token = randomBytes(24).toString("hex");
  writeFileSync(tokenFile, token, { mode: 0o600 });
  const dataDir = join(o.labDir, "conductor-data");
  const config = merge(
    {
      listen,
      public_url: url,
      data_dir: dataDir,
      log_level: "debug",
      auth: { token },
      enabled_drivers: ["ipmi"],
      agent: { poll_interval_s: 1, fast_track: o.fastTrack ?? false },
      cleaning: { erase_devices_priority: 0, erase_devices_metadata_priority: 99, step_priority_override: { "deploy.erase_devices_express": 95 } },
      boot: {
        mode: "full",
        interface: o.bridge,
        dhcp_range: { start: `10.${o.subnet}.0.100`, end: `10.${o.subnet}.0.200`, netmask: "255.255.255.0" },
        kernel: o.kernel,
        initramfs: o.initramfs,
        kernel_params: "console=ttyS0",
      },
    },
    o.extra ?? {},
  );
  const configFile = join(o.labDir, "conductor.json");
  writeFileSync(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
  return { url, listen, configFile, tokenFile, log: join(o.labDir, "conductor.log"), dataDir };
}

/** The last lines of a log, for an error message (the lab directory is removed after a failed start). */
function tail(path: string): string {
  return existsSync(path) ? readFileSync(path, "utf8").trim().split("\n").slice(-6).join("\n") + "\n" : "";
}

/** Starts the conductor in `netns`, detached (it outlives `lab-up`); resolves its pid once the API answers. */
export async function startConductor(plan: LabConductorPlan, o: { netns: string; binary: string; cwd: string; timeoutMs?: number }): Promise<number> {
  // Appended to, not truncated: a conductor restarted after a crash keeps the log of the first.
  const out = openSync(plan.log, "a");
  const err = openSync(`${plan.log}.stderr`, "a");
  const proc = Bun.spawn(["ip", "netns", "exec", o.netns, o.binary, "conductor", "--config", plan.configFile], { cwd: o.cwd, stdin: "ignore", stdout: out, stderr: err });
  proc.unref();
  closeSync(out);
  closeSync(err);
  const end = Date.now() + (o.timeoutMs ?? 60_000);
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error(`the conductor exited (${proc.exitCode}):\n${tail(`${plan.log}.stderr`)}${tail(plan.log)}`);
    const r = Bun.spawnSync(["ip", "netns", "exec", o.netns, "curl", "-fsS", "-m", "2", "-o", "/dev/null", `${plan.url}/`]);
    if (r.exitCode === 0) return proc.pid;
    await Bun.sleep(250);
  }
  throw new Error(`the conductor did not answer on ${plan.url} within ${(o.timeoutMs ?? 60_000) / 1000} s; see ${plan.log}`);
}
