/**
 * @module test/ipmi/measure-latency
 * Measures (does not assert) the ipmi driver against ipmi_sim: the median of N `power status`
 * calls through the driver (min interval 0), the first call of a fresh driver without
 * `ipmi_cipher_suite` (probe of 17, then 3), raw ipmitool without `-C` (ipmitool's own
 * probe), and a power-on through the driver (command + wait until the BMC reports on).
 * Run: node_modules/.bin/bun test/ipmi/measure-latency.ts [N]
 */
import { createExec } from "../../common/exec.ts";
import { createSilentLogger } from "../../common/logger.ts";
import { ConductorConfigSchema } from "../../conductor/config/schema.ts";
import { createFakeHardware } from "../../conductor/drivers/fake/index.ts";
import { createIpmiHardware } from "../../conductor/drivers/ipmi/index.ts";
import type { NodeRecord } from "../../conductor/store/node-record.ts";
import { startIpmiSim } from "../support/ipmi-sim.ts";

const N = Number(process.argv[2] ?? 20);
const logger = createSilentLogger();
const exec = createExec();
const config = ConductorConfigSchema.parse({ ipmi: { min_command_interval_s: 0, power_poll_interval_s: 0.1 } }).ipmi;
const fresh = () => createIpmiHardware({ exec, logger, config, boot: createFakeHardware({ exec, logger }).boot });
const node = (info: Record<string, unknown>) => ({ uuid: "m", driver: "ipmi", driver_info: info, properties: {}, instance_info: {} }) as unknown as NodeRecord;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = async (f: () => Promise<unknown>) => {
  const t = performance.now();
  await f();
  return performance.now() - t;
};

const sim = await startIpmiSim({ password: "Measure-pw-1" });
try {
  const withSuite = node(sim.driverInfo({ ipmi_cipher_suite: 3 }));
  const d = fresh();
  const status: number[] = [];
  for (let i = 0; i < N; i++) status.push(await time(() => d.power.getPowerState(withSuite)));

  const probed: number[] = [];
  const remembered: number[] = [];
  for (let i = 0; i < 5; i++) {
    const p = fresh();
    const bare = node(sim.driverInfo());
    probed.push(await time(() => p.power.getPowerState(bare)));
    remembered.push(await time(() => p.power.getPowerState(bare)));
  }

  const noC = await time(() =>
    exec("ipmitool", ["-I", "lanplus", "-H", "127.0.0.1", "-p", String(sim.port), "-U", sim.user, "-E", "chassis", "power", "status"], { env: { IPMI_PASSWORD: sim.password }, timeoutMs: 60_000 }),
  );

  const powerOn: number[] = [];
  for (let i = 0; i < 5; i++) {
    sim.setPower(false);
    powerOn.push(await time(() => d.power.setPowerState(withSuite, "power on")));
  }

  const ms = (x: number) => `${x.toFixed(1)} ms`;
  console.log(`power status through the driver, ipmi_cipher_suite 3: median ${ms(median(status))} of ${N} (min ${ms(Math.min(...status))}, max ${ms(Math.max(...status))})`);
  console.log(`first call without ipmi_cipher_suite (probe 17 -> 3): median ${ms(median(probed))} of 5; next call: median ${ms(median(remembered))}`);
  console.log(`raw ipmitool without -C (its own cipher suite discovery): ${ms(noC)}`);
  console.log(`power on through the driver (status, on, poll until on): median ${ms(median(powerOn))} of 5`);
} finally {
  await sim.stop();
}
