/**
 * @module agent/power/power-control
 * Powering the server off or rebooting it from inside the RAM disk. With
 * `teeth-simulate-power=1` it only logs, so no test ever powers off the machine it runs on.
 */
import type { Exec } from "../../common/exec.ts";
import type { Logger } from "../../common/logger.ts";

export interface PowerControl {
  powerOff(): Promise<void>;
  reboot(): Promise<void>;
  /** Jumps into the kernel `kexec -l` loaded; if that returns, reboots through the firmware. */
  kexec(): Promise<void>;
  /** Takes network interfaces down (system.lockdown). */
  downInterfaces(names: readonly string[]): Promise<void>;
  readonly simulated: boolean;
}

export function createPowerControl(deps: { exec: Exec; logger: Logger; simulate: boolean }): PowerControl {
  const act = async (what: string, cmd: string, args: string[]) => {
    // Flush what was written (image, logs) before the power goes.
    await deps.exec("sync", []);
    if (deps.simulate) {
      deps.logger.warn({ action: what }, `simulated ${what} (teeth-simulate-power=1): not executed`);
      return;
    }
    deps.logger.warn({ action: what }, `${what} now`);
    const r = await deps.exec(cmd, args);
    if (r.failed) {
      // Last resort: the magic SysRq trigger works even when init is gone.
      deps.logger.error({ stderr: r.stderr }, `${cmd} failed; using sysrq`);
      await Bun.write("/proc/sysrq-trigger", what === "reboot" ? "b" : "o").catch(() => {});
    }
  };
  return {
    simulated: deps.simulate,
    powerOff: () => act("power off", "poweroff", ["-f"]),
    reboot: () => act("reboot", "reboot", ["-f"]),
    async kexec() {
      await deps.exec("sync", []);
      if (deps.simulate) {
        deps.logger.warn({ action: "kexec" }, "simulated kexec -e (teeth-simulate-power=1): not executed");
        return;
      }
      deps.logger.warn({ action: "kexec" }, "kexec -e now");
      const r = await deps.exec("kexec", ["-e"]);
      // Still here: the jump did not happen. The disk is the boot device, so a reboot boots the OS.
      deps.logger.error({ stderr: r.stderr.trim(), exit: r.exitCode }, "kexec -e returned; rebooting through the firmware");
      await act("reboot", "reboot", ["-f"]);
    },
    async downInterfaces(names) {
      for (const name of names) {
        if (deps.simulate) {
          deps.logger.warn({ interface: name }, "simulated: interface would be taken down");
          continue;
        }
        await deps.exec("ip", ["link", "set", name, "down"]);
      }
    },
  };
}
