import { expect, test } from "bun:test";
import { defaultExtlinuxEntry } from "./extlinux.ts";

const CFG = `# generated
DEFAULT rescue
TIMEOUT 30
LABEL linux
  MENU LABEL Linux
  KERNEL /boot/vmlinuz
  INITRD /boot/initrd.img
  APPEND root=UUID=1111 ro quiet
label rescue
  linux ../boot/vmlinuz-r
  append root=/dev/vda2 single initrd=/boot/initrd-r.img
`;

test("DEFAULT names the label; lower-case keywords and initrd= in APPEND are understood", () => {
  expect(defaultExtlinuxEntry(CFG)).toEqual({ ok: true, entry: { kind: "extlinux", title: "rescue", kernel: "/../boot/vmlinuz-r", initrds: ["/boot/initrd-r.img"], cmdline: "root=/dev/vda2 single" } });
});

test("MENU DEFAULT, else the first label; no label is a reason", () => {
  const noDefault = CFG.replace("DEFAULT rescue\n", "");
  expect(defaultExtlinuxEntry(noDefault)).toMatchObject({ ok: true, entry: { title: "linux", kernel: "/boot/vmlinuz", initrds: ["/boot/initrd.img"], cmdline: "root=UUID=1111 ro quiet" } });
  expect(defaultExtlinuxEntry(noDefault.replace("  linux ../", "  MENU DEFAULT\n  linux ../"))).toMatchObject({ ok: true, entry: { title: "rescue" } });
  expect(defaultExtlinuxEntry("TIMEOUT 1\n")).toEqual({ ok: false, reason: "extlinux.conf has no LABEL" });
});
