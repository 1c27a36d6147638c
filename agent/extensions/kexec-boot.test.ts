import { describe, expect, test } from "bun:test";
import { createSilentLogger } from "../../common/logger.ts";
import { fakeDisk, type FakePartition } from "../../machine/kexec/testing/fake-disk.ts";
import { createCommandRunner } from "../commands/command-runner.ts";
import type { PowerControl } from "../power/power-control.ts";
import type { AgentServices } from "./services.ts";
import { createStandbyExtension } from "./standby.ts";

const ROOT: FakePartition = { number: 1, fstype: "ext4", uuid: "root-1", files: { "/etc/os-release": "ID=x\n", "/boot/grub/grub.cfg": "menuentry 'OS' {\n linux /boot/vmlinuz root=UUID=root-1 ro\n initrd /boot/initrd.img\n}\n", "/boot/vmlinuz": "K", "/boot/initrd.img": "I" } };

/** The standby extension on a fake disk, with power actions recorded instead of done. */
function agentOn(parts: FakePartition[], o: Parameters<typeof fakeDisk>[1] = {}) {
  const disk = fakeDisk(parts, o);
  const powered: string[] = [];
  const power: PowerControl = {
    simulated: false,
    powerOff: async () => void powered.push("off"),
    reboot: async () => void powered.push("reboot"),
    kexec: async () => void powered.push("kexec"),
    downInterfaces: async () => {},
  };
  const logger = createSilentLogger();
  const services = {
    registry: { dispatch: async (op: string) => (op === "get_os_install_device" ? { result: "/dev/vda", manager: "generic" } : { result: null, manager: "generic" }) },
    managerContext: () => ({ exec: disk.exec, fs: disk.fs, logger }),
    power,
    exec: disk.exec,
    logger,
  } as unknown as AgentServices;
  const runner = createCommandRunner({ extensions: [createStandbyExtension(services)], logger });
  return { runner, disk, powered };
}

describe("standby.kexec_boot", () => {
  test("loads the kernel (kexec -l) before it answers, then jumps (kexec -e) after", async () => {
    const { runner, disk, powered } = agentOn([ROOT]);
    const handle = await runner.execute("standby.kexec_boot", {});
    const r = await handle.wait();
    expect(r.command_status).toBe("SUCCEEDED");
    expect(r.command_result).toMatchObject({ cmdline: "root=UUID=root-1 ro", kernel: "/boot/vmlinuz on /dev/vda1", result: "kexec_boot: kernel /boot/vmlinuz on /dev/vda1 loaded from grub /boot/grub/grub.cfg on /dev/vda1; booting it" });
    // Answered with the kernel loaded and nothing jumped yet.
    expect(disk.calls.filter((c) => c[0] === "kexec").map((c) => c[1])).toEqual(["-l"]);
    expect(powered).toEqual([]);
    await Bun.sleep(1300);
    expect(powered).toEqual(["kexec"]);
  });

  test("a refusal is the command's failure with its reason; no jump, and the agent takes the next command", async () => {
    const { runner, powered } = agentOn([{ ...ROOT, files: { "/etc/os-release": "ID=x\n" } }]);
    const r = await (await runner.execute("standby.kexec_boot", { image_type: "whole-disk" })).wait();
    expect(r.command_status).toBe("FAILED");
    expect(r.command_error).toMatchObject({ type: "KexecNoKernel", details: "kexec refused: no kernel found in the deployed image (no BLS entry, grub.cfg or extlinux.conf on any partition)" });
    await Bun.sleep(1300);
    expect(powered).toEqual([]);
    expect(runner.busy()).toBe(false);
    expect((await (await runner.execute("standby.sync", {})).wait()).command_status).toBe("SUCCEEDED");
  });

  test("Secure Boot and a failed kexec -l are failures too; a bad image_type is refused as bad params", async () => {
    const sb = agentOn([ROOT], { secureBoot: true });
    expect((await (await sb.runner.execute("standby.kexec_boot", {})).wait()).command_error).toMatchObject({ type: "KexecSecureBoot" });
    const load = agentOn([ROOT], { kexecFails: "kexec_load failed: Operation not permitted" });
    expect((await (await load.runner.execute("standby.kexec_boot", {})).wait()).command_error).toMatchObject({ type: "KexecLoadFailed", details: "kexec -l failed: kexec_load failed: Operation not permitted" });
    await Bun.sleep(1300);
    expect([...sb.powered, ...load.powered]).toEqual([]);
    await expect(load.runner.execute("standby.kexec_boot", { image_type: "floppy" })).rejects.toThrow(/image_type/);
  });
});
