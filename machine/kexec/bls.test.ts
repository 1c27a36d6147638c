import { expect, test } from "bun:test";
import { defaultBlsEntry, parseBlsEntry } from "./bls.ts";

test("a BLS entry: linux, several initrds, options joined", () => {
  const e = parseBlsEntry("# comment\ntitle Fedora Linux 39\nversion 6.5.6-300.fc39.x86_64\nlinux /vmlinuz-6.5.6\ninitrd /intel-ucode.img\ninitrd /initramfs-6.5.6.img\noptions root=UUID=abcd ro\noptions rhgb quiet\n", "f.conf");
  expect(e).toMatchObject({ kind: "bls", title: "Fedora Linux 39", kernel: "/vmlinuz-6.5.6", initrds: ["/intel-ucode.img", "/initramfs-6.5.6.img"], cmdline: "root=UUID=abcd ro rhgb quiet" });
});

test("the default is the newest version (numeric order), entries without linux are ignored", () => {
  const files = [
    { name: "m-6.5.9.conf", text: "title old\nversion 6.5.9\nlinux /vmlinuz-6.5.9\noptions root=UUID=1\n" },
    { name: "m-6.5.10.conf", text: "title new\nversion 6.5.10\nlinux /vmlinuz-6.5.10\noptions root=UUID=1\n" },
    { name: "windows.conf", text: "title Windows\nefi /EFI/Microsoft/Boot/bootmgfw.efi\n" },
    { name: "README", text: "linux /nope\n" },
  ];
  const r = defaultBlsEntry(files);
  expect(r.ok && r.entry.kernel).toBe("/vmlinuz-6.5.10");
  expect(defaultBlsEntry(files.slice(2))).toEqual({ ok: false, reason: "no BLS entry names a Linux kernel" });
});

test("sort-key orders before version", () => {
  const files = [
    { name: "a.conf", text: "sort-key zzz\nversion 9\nlinux /vmlinuz-9\n" },
    { name: "b.conf", text: "sort-key aaa\nversion 1\nlinux /vmlinuz-1\n" },
  ];
  const r = defaultBlsEntry(files);
  expect(r.ok && r.entry.kernel).toBe("/vmlinuz-1");
});
