import { describe, expect, test } from "bun:test";
import { createSilentLogger } from "../../common/logger.ts";
import { fakeDisk, type FakePartition } from "../../machine/kexec/testing/fake-disk.ts";
import { createCommandRunner } from "../commands/command-runner.ts";
import { mapMemory } from "../../hardware-managers/contract/testing.ts";
import { forgetCachedImage } from "../../hardware-managers/generic/image-cache.ts";
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
  const memory = mapMemory();
  const ctx = { exec: disk.exec, fs: disk.fs, logger, memory };
  // cache_image as the generic manager leaves it in the agent's memory; prepare_image of another image forgets it.
  const image = (op: string) => {
    if (op === "cache_image") memory.set("generic.cached_image", { id: "os.raw", checksum: "sha256:ab", device: "/dev/vda", fingerprint: "f", at: `${Date.now()}` });
    if (op === "prepare_image") forgetCachedImage(ctx as never, "writing another image");
    return { result: `${op} done`, manager: "generic" };
  };
  const services = {
    registry: { dispatch: async (op: string) => (op === "get_os_install_device" ? { result: "/dev/vda", manager: "generic" } : image(op)) },
    managerContext: () => ctx,
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

  test("a pre-staged image's kernel is loaded with cache_image; its deploy only jumps, another image's deploy loads again", async () => {
    const { runner, disk, powered } = agentOn([ROOT]);
    const loads = () => disk.calls.filter((c) => c[0] === "kexec" && c[1] === "-l").length;
    expect((await (await runner.execute("standby.cache_image", { image_info: { id: "os.raw" } })).wait()).command_status).toBe("SUCCEEDED");
    expect(loads()).toBe(1);
    const r = await (await runner.execute("standby.kexec_boot", {})).wait();
    expect(r.command_result).toMatchObject({ preloaded: true, kernel: "/boot/vmlinuz on /dev/vda1" });
    expect(loads()).toBe(1);
    await Bun.sleep(1300);
    expect(powered).toEqual(["kexec"]);
    // Another image written after the cache: the preloaded kernel is not the disk's any more.
    await (await runner.execute("standby.cache_image", { image_info: { id: "os.raw" } })).wait();
    await (await runner.execute("standby.prepare_image", { image_info: { id: "other.raw" } })).wait();
    const again = await (await runner.execute("standby.kexec_boot", {})).wait();
    expect(again.command_result).not.toHaveProperty("preloaded");
    expect(loads()).toBe(3);
  });
});
