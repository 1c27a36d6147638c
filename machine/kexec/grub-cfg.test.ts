import { describe, expect, test } from "bun:test";
import { defaultGrubEntry, parseGrubenv } from "./grub-cfg.ts";

// Shaped as Debian 12's grub-mkconfig writes it (trimmed): if/else around default, a function,
// $menuentry_id_option ids, a submenu of older kernels.
const DEBIAN = `
if [ -s $prefix/grubenv ]; then
  set have_grubenv=true
  load_env
fi
if [ "\${next_entry}" ] ; then
   set default="\${next_entry}"
   set next_entry=
   save_env next_entry
   set boot_once=true
else
   set default="0"
fi
function savedefault {
  if [ -z "\${boot_once}" ]; then
    saved_entry="\${chosen}"
    save_env saved_entry
  fi
}
set menu_color_normal=cyan/blue
menuentry 'Debian GNU/Linux' --class debian --class gnu-linux $menuentry_id_option 'gnulinux-simple-1111' {
	load_video
	insmod part_gpt
	insmod ext2
	search --no-floppy --fs-uuid --set=root 2222-AAAA
	echo	'Loading Linux 6.1.0-28-amd64 ...'
	linux	/boot/vmlinuz-6.1.0-28-amd64 root=UUID=1111 ro  quiet
	echo	'Loading initial ramdisk ...'
	initrd	/boot/initrd.img-6.1.0-28-amd64
}
submenu 'Advanced options for Debian GNU/Linux' $menuentry_id_option 'gnulinux-advanced-1111' {
	menuentry 'Debian GNU/Linux, with Linux 6.1.0-28-amd64' --class debian $menuentry_id_option 'gnulinux-6.1.0-28-amd64-advanced-1111' {
		linux	/boot/vmlinuz-6.1.0-28-amd64 root=UUID=1111 ro  quiet
		initrd	/boot/initrd.img-6.1.0-28-amd64
	}
	menuentry 'Debian GNU/Linux, with Linux 6.1.0-27-amd64' --class debian $menuentry_id_option 'gnulinux-6.1.0-27-amd64-advanced-1111' {
		linux	/boot/vmlinuz-6.1.0-27-amd64 root=UUID=1111 ro single
		initrd	/boot/initrd.img-6.1.0-27-amd64
	}
}
menuentry 'UEFI Firmware Settings' $menuentry_id_option 'uefi-firmware' {
	fwsetup
}
`;

const entry = (text: string, env?: Map<string, string>) => {
  const r = defaultGrubEntry(text, env);
  if (!r.ok) throw new Error(r.reason);
  return r.entry;
};

describe("grub.cfg's default entry", () => {
  test("Debian's generated config: default 0 is the first menuentry, with its searched file system", () => {
    expect(entry(DEBIAN)).toEqual({
      kind: "grub",
      title: "Debian GNU/Linux",
      kernel: "/boot/vmlinuz-6.1.0-28-amd64",
      initrds: ["/boot/initrd.img-6.1.0-28-amd64"],
      cmdline: "root=UUID=1111 ro quiet",
      fsUuid: "2222-aaaa",
    });
  });

  test("by index into a submenu (1>1), by id path and by title path", () => {
    const older = "/boot/vmlinuz-6.1.0-27-amd64";
    expect(entry(DEBIAN.replace('set default="0"', 'set default="1>1"')).kernel).toBe(older);
    expect(entry(DEBIAN.replace('set default="0"', 'set default="gnulinux-advanced-1111>gnulinux-6.1.0-27-amd64-advanced-1111"')).cmdline).toBe("root=UUID=1111 ro single");
    expect(entry(DEBIAN.replace('set default="0"', "set default='Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux 6.1.0-27-amd64'")).kernel).toBe(older);
  });

  test("by title and by --id at top level", () => {
    const cfg = `set default="Rescue"\nmenuentry 'Normal' --id normal {\n linux /vmlinuz-a root=UUID=1\n}\nmenuentry "Rescue" --id rescue {\n linux /vmlinuz-r root=UUID=1 single\n initrd /initrd-r\n}\n`;
    expect(entry(cfg).kernel).toBe("/vmlinuz-r");
    expect(entry(cfg.replace('set default="Rescue"', "set default=normal")).kernel).toBe("/vmlinuz-a");
    expect(entry(cfg.replace('set default="Rescue"', "set default=1")).initrds).toEqual(["/initrd-r"]);
  });

  test("${saved_entry} is read from grubenv; an unknown default falls back to entry 0", () => {
    const cfg = `set default="\${saved_entry}"\nmenuentry 'A' --id a {\n linux /vmlinuz-a\n}\nmenuentry 'B' --id b {\n linux /vmlinuz-b\n}\n`;
    expect(entry(cfg, parseGrubenv("# GRUB Environment Block\nsaved_entry=b\n####")).kernel).toBe("/vmlinuz-b");
    expect(entry(cfg).kernel).toBe("/vmlinuz-a");
    expect(entry(cfg.replace("${saved_entry}", "nosuch")).kernel).toBe("/vmlinuz-a");
  });

  test("the Teeth OS image's own grub.cfg (linux after a search, device prefix stripped, variables expanded)", () => {
    const cfg = `if [ "$grub_platform" = pc ]; then\n  serial --unit=0 --speed=115200\nfi\nset default=0\nset opts="console=ttyS0,115200"\nmenuentry 'Teeth OS x' --id teeth-os {\n\tsearch --no-floppy --fs-uuid --set=root ABCD\n\tlinux ($root)/boot/vmlinuz-6 root=UUID=abcd ro $opts \${nosuch}\n\tinitrdefi (hd0,gpt3)/boot/initrd.img-6\n}\n`;
    expect(entry(cfg)).toEqual({ kind: "grub", title: "Teeth OS x", kernel: "/boot/vmlinuz-6", initrds: ["/boot/initrd.img-6"], cmdline: "root=UUID=abcd ro console=ttyS0,115200", fsUuid: "abcd" });
  });

  test("a default entry that boots no kernel gives the first one that does; none at all is a reason", () => {
    const cfg = `set default=0\nmenuentry 'Setup' {\n fwsetup\n}\nmenuentry 'OS' {\n linux16 /vmlinuz\n}\n`;
    expect(entry(cfg).kernel).toBe("/vmlinuz");
    expect(defaultGrubEntry("set timeout=5\nconfigfile $prefix/grub.cfg\n")).toEqual({ ok: false, reason: "grub.cfg has no menuentry" });
    expect(defaultGrubEntry("menuentry 'Setup' {\n fwsetup\n}\n")).toEqual({ ok: false, reason: "grub.cfg's default entry boots no Linux kernel" });
  });
});
