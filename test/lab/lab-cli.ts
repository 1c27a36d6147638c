/**
 * @module test/lab/lab-cli
 * `make lab-up` / `make lab-down`: `bun test/lab/lab-cli.ts up [--servers N] [--name lab-x]
 * [--discovery]` brings the rack up and prints what it started and where the logs are
 * (`--discovery`: the conductor enrolls servers nobody enrolled, see README.md); `down [--name lab-x]`
 * removes it (also after a crash, and when there is nothing to remove); `status` prints the
 * state file. The only place that reads argv. A lab that cannot run says why and exits 1.
 */
import { parseArgs } from "node:util";
import { labDir, readLabState, startLab, stopLab, type LabState } from "./lab.ts";
import { labNamespaces } from "./netns.ts";

function describe(s: LabState): string {
  const lines = [
    `lab ${s.name}: network namespace ${s.netns}, bridge ${s.bridge} (nothing leaves it: ip netns exec ${s.netns} ...)`,
    `  conductor  ${s.conductor.url}  pid ${s.conductor.pid}  log ${s.conductor.log}`,
    `             token in ${s.conductor.tokenFile}; config ${s.conductor.configFile}`,
    `             e.g. ip netns exec ${s.netns} ${s.binary} node list --url ${s.conductor.url} --token-file ${s.conductor.tokenFile}`,
  ];
  for (const v of s.servers) {
    lines.push(
      `  ${v.name}   ${v.firmware === "bios" ? "SeaBIOS" : "OVMF   "}  MAC ${v.mac}  BMC ipmi://${v.bmc.address}:${v.bmc.port} (user ${v.bmc.user}, password in ${v.bmc.passwordFile}, pid ${v.bmcPid})`,
      `             disks ${v.disk} (virtio, ${v.diskBytes / 2 ** 30} GiB), ${v.nvme} (NVMe ${v.nvmeSerial}, ${v.nvmeBytes / 2 ** 30} GiB); powered off`,
      `             serial console ${v.serialLog}; power log ${v.powerLog}; BMC ${v.dir}/bmc/`,
    );
  }
  lines.push(`state ${s.dir}/lab.json; make lab-down removes all of it`);
  return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { servers: { type: "string" }, name: { type: "string" }, memory: { type: "string" }, discovery: { type: "boolean" } },
  });
  const name = values.name ?? "lab-rack";
  switch (positionals[0]) {
    case "up": {
      const servers = Number(values.servers ?? 2);
      if (!Number.isInteger(servers) || servers < 1 || servers > 8) throw new Error(`--servers must be 1..8, got ${values.servers}`);
      const discovery = values.discovery ? { discovery: { enabled: true, driver: "ipmi" } } : undefined;
      const s = await startLab({ name, servers, memoryMiB: values.memory ? Number(values.memory) : undefined, conductorConfig: discovery });
      console.log(describe(s));
      if (discovery) {
        const v = s.servers[0]!;
        console.log(
          `discovery on: nothing is enrolled; power a server on at its BMC and it enrolls itself, e.g.\n` +
            `  IPMI_PASSWORD=$(cat ${v.bmc.passwordFile}) ip netns exec ${s.netns} ipmitool -I lanplus -C 3 -H ${v.bmc.address} -p ${v.bmc.port} -U ${v.bmc.user} -E chassis power on\n` +
            `  ip netns exec ${s.netns} ${s.binary} node list --discovered --url ${s.conductor.url} --token-file ${s.conductor.tokenFile}`,
        );
      }
      return 0;
    }
    case "down": {
      const had = readLabState(labDir(name));
      const namespace = labNamespaces("lab-").includes(had?.netns ?? name);
      await stopLab(labDir(name), name);
      if (had) console.log(`lab ${name} removed (processes, namespace ${had.netns}, ${had.dir})`);
      else console.log(namespace ? `lab ${name}: no state file (a crash?); removed what ran in namespace ${name} and the namespace` : `lab ${name}: nothing left to remove`);
      return 0;
    }
    case "status": {
      const s = readLabState(labDir(name));
      console.log(s ? describe(s) : `lab ${name} is not up`);
      return 0;
    }
    default:
      console.error("usage: bun test/lab/lab-cli.ts up [--servers N] [--memory MiB] [--name lab-x] [--discovery] | down [--name lab-x] | status");
      return 2;
  }
}

try {
  process.exit(await main(process.argv.slice(2)));
} catch (e) {
  console.error(`lab: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
