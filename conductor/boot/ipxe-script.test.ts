import { describe, expect, test } from "bun:test";
import { chainScript, localBootScript, notEnrolledScript, ramdiskScript } from "./ipxe-script.ts";
import { kernelCmdline } from "./kernel-cmdline.ts";

const base = "http://10.0.0.1:6385";

describe("iPXE scripts", () => {
  test("the RAM disk script: kernel and initramfs from the conductor, IPA's parameters in order, retried on failure", () => {
    const cmd = kernelCmdline({ kernelParams: { "ipa-api-url": base }, mac: "52:54:00:ab:cd:01", requestId: "req-1", configAppend: "console=ttyS0  ipa-debug=1", nodeAppend: ["nomodeset"] });
    expect(ramdiskScript({ httpBase: base, ...cmd })).toBe(
      [
        "#!ipxe",
        ":start",
        "echo Teeth: booting the agent RAM disk",
        `kernel ${base}/boot/ramdisk/vmlinuz initrd=initramfs.img ipa-api-url=${base} BOOTIF=01-52-54-00-ab-cd-01 ipa-global-request-id=req-1 console=ttyS0 ipa-debug=1 nomodeset || goto retry`,
        `initrd ${base}/boot/ramdisk/initramfs.img || goto retry`,
        "boot || goto retry",
        ":retry",
        "echo Teeth: RAM disk download or boot failed; retrying in 10 s",
        "imgfree",
        "sleep 10",
        "goto start",
        "",
      ].join("\n"),
    );
  });

  test("BOOTIF and the request id are the conductor's, whatever the caller passed", () => {
    const cmd = kernelCmdline({ kernelParams: { "ipa-api-url": base, BOOTIF: "01-00-00-00-00-00-00", "ipa-global-request-id": "x" }, mac: "52:54:00:ab:cd:01", requestId: "req-2", configAppend: "", nodeAppend: [] });
    expect(cmd.params).toEqual([["ipa-api-url", base], ["BOOTIF", "01-52-54-00-ab-cd-01"], ["ipa-global-request-id", "req-2"]]);
  });

  test("nothing that iPXE would interpret gets onto the kernel line", () => {
    for (const bad of ["a b", "a\nchain http://evil/", "${net0/ip}", "a;b", 'x"y']) {
      expect(() => ramdiskScript({ httpBase: base, params: [["ipa-api-url", bad]], append: [] })).toThrow(/characters iPXE cannot take/);
      expect(() => ramdiskScript({ httpBase: base, params: [], append: [bad] })).toThrow(/characters iPXE cannot take/);
    }
    expect(() => ramdiskScript({ httpBase: base, params: [["bad key", "v"]], append: [] })).toThrow(/bad key/);
  });

  test("the chain script goes to the booting NIC's own script and leaves network boot when there is none", () => {
    const s = chainScript(base);
    expect(s).toContain(`chain --autofree ${base}/boot/\${mac:hexhyp}.ipxe || goto failed`);
    expect(s.trimEnd().endsWith("exit")).toBe(true);
  });

  test("local boot: exit on UEFI, the first disk's MBR on BIOS; an unknown MAC leaves network boot", () => {
    expect(localBootScript("uefi")).toBe("#!ipxe\necho Teeth: booting from the local disk\nexit\n");
    expect(localBootScript("bios")).toBe("#!ipxe\necho Teeth: booting from the local disk\nsanboot --no-describe --drive 0x80 || exit\n");
    expect(notEnrolledScript()).not.toContain("kernel");
    expect(notEnrolledScript().trimEnd().endsWith("exit")).toBe(true);
  });
});
