#!/usr/bin/env bash
# Builds the Teeth OS image, the small whole-disk image a deploy writes to a server's disk:
# a GPT disk with a BIOS boot partition (GRUB i386-pc core.img), an ESP (FAT32, GRUB
# x86_64-efi as EFI/BOOT/BOOTX64.EFI, the removable path OVMF boots without NVRAM entries)
# and an ext4 root holding a Debian kernel, a busybox initramfs and /boot/grub/grub.cfg
# (plus a BLS entry). Booted from disk, it prints
#   TEETH-OS-BOOTED image=<OS_IMAGE_ID> root=<device> boot=<uefi|bios> kernel=<release>
# on the serial console (image-build/os-image/init).
#
#   bash image-build/build-os-image.sh          # or: make os-image
#   OS_IMAGE_ID=teeth-os-2 bash image-build/build-os-image.sh
#
# Writes build/os-image/teeth-os.{raw,qcow2,raw.zst}, a .sha256 beside each, and
# teeth-os.json / teeth-os.env (image id, sizes, UUIDs, kernel version, boot paths).
#
# Everything comes from Debian packages (apt-get download + dpkg -x into build/os-image/cache,
# nothing installed on the host), and no root, loop device or mount is needed: mkfs.ext4 -d
# fills the root, mtools the ESP, sgdisk partitions the file, dd puts the pieces at their
# offsets. Reproducible: partition and file system UUIDs derive from the image id, every time
# stamp is SOURCE_DATE_EPOCH; the same inputs give the same bytes. Cached: the image is
# rebuilt only when an input (packages, scripts, id, size, epoch) changed.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT=${OS_IMAGE_OUT:-$ROOT/build/os-image}
CACHE=$OUT/cache
TREE=$CACHE/tree
ROOTFS=$CACHE/initramfs-root
IMAGE_ID=${OS_IMAGE_ID:-teeth-os-1}
KERNEL_META=${OS_IMAGE_KERNEL:-linux-image-cloud-amd64}
SIZE_MIB=${OS_IMAGE_SIZE_MIB:-128}
ESP_MIB=64
# 2024-01-01T00:00:00Z unless the caller fixes another.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1704067200}
NAME=teeth-os

log() { echo "os-image: $*" >&2; }
die() {
  echo "os-image: error: $*" >&2
  exit 1
}
list() { grep -Ev '^\s*(#|$)' "$1"; }

# shellcheck source=lib/fetch-debs.sh
. "$HERE/lib/fetch-debs.sh"
# shellcheck source=lib/copy-elf.sh
. "$HERE/lib/copy-elf.sh"
# shellcheck source=lib/kernel.sh
. "$HERE/lib/kernel.sh"

[[ $IMAGE_ID =~ ^[A-Za-z0-9._-]{1,64}$ ]] || die "OS_IMAGE_ID must be 1-64 of [A-Za-z0-9._-] (got '$IMAGE_ID')"
[[ $SIZE_MIB =~ ^[0-9]+$ ]] && [ "$SIZE_MIB" -ge 100 ] || die "OS_IMAGE_SIZE_MIB must be a number >= 100"
for tool in apt-get apt-cache dpkg flock sha256sum sgdisk mkfs.ext4 debugfs mkfs.fat mcopy mmd cpio gzip qemu-img zstd jq; do
  command -v "$tool" >/dev/null || die "$tool is needed on the build host (make debs installs it)"
done

# uuid ROLE: a UUID fixed by the image id and ROLE (sha256, shaped as a version-4 UUID).
uuid() {
  local h
  h=$(printf 'teeth-os-image:%s:%s' "$IMAGE_ID" "$1" | sha256sum | cut -c1-32)
  echo "${h:0:8}-${h:8:4}-4${h:13:3}-a${h:17:3}-${h:20:12}"
}
DISK_GUID=$(uuid disk)
BIOS_PART_UUID=$(uuid bios-boot-partition)
ESP_PART_UUID=$(uuid esp-partition)
ROOT_PART_UUID=$(uuid root-partition)
ROOT_FS_UUID=$(uuid root-fs)
ROOT_HASH_SEED=$(uuid root-fs-hash-seed)
ESP_VOLUME_ID=$(printf 'teeth-os-image:%s:esp-fs' "$IMAGE_ID" | sha256sum | cut -c1-8)
ESP_FS_UUID="${ESP_VOLUME_ID:0:4}-${ESP_VOLUME_ID:4:4}"
ESP_FS_UUID=${ESP_FS_UUID^^}

# One build at a time per output directory (a test and `make demo` may ask together).
mkdir -p "$OUT"
exec 9>"$OUT/.lock"
flock 9

ensure_apt_lists

# 1. Packages: the kernel (the metapackage names the current ABI package), busybox, kmod, GRUB.
KPKG=$(apt-cache depends "$KERNEL_META" | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -1)
[ -n "$KPKG" ] || die "cannot resolve $KERNEL_META to a kernel package"
mapfile -t kdebs < <(fetch_debs "$CACHE/debs" "$KPKG")
unpack_debs "$CACHE/debs" "$CACHE/kernel" "${kdebs[@]}"
mapfile -t pkgs < <(resolve_packages $(list "$HERE/os-image/packages.list"))
mapfile -t debs < <(fetch_debs "$CACHE/debs" "${pkgs[@]}")
unpack_debs "$CACHE/debs" "$TREE" "${debs[@]}"
KVER=$(ls "$CACHE/kernel/lib/modules")

# 2. Cache check: every input of the image, by name and content.
stamp=$( {
  printf '%s\n' "$IMAGE_ID" "$SIZE_MIB" "$ESP_MIB" "$SOURCE_DATE_EPOCH" "${kdebs[@]}" "${debs[@]}"
  cat "$0" "$HERE"/lib/*.sh "$HERE"/os-image/*
} | sha256sum | cut -c1-32)
outputs=("$OUT/$NAME.raw" "$OUT/$NAME.qcow2" "$OUT/$NAME.raw.zst" "$OUT/$NAME.json" "$OUT/$NAME.env")
up_to_date=1
for f in "${outputs[@]}"; do [ -s "$f" ] || up_to_date=0; done
if [ $up_to_date = 1 ] && [ "$(cat "$OUT/.stamp" 2>/dev/null)" = "$stamp" ]; then
  log "$NAME.raw ($IMAGE_ID) up to date"
  cat "$OUT/$NAME.env"
  exit 0
fi
rm -f "$OUT/.stamp"
WORK=$CACHE/work
rm -rf "$WORK"
mkdir -p "$WORK"
# Time stamps of everything that goes into a file system or archive.
stamp_tree() { find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +; }

# 3. The initramfs: busybox, the disk modules, /init.
log "initramfs for $KVER"
rm -rf "$ROOTFS"
mkdir -p "$ROOTFS"/{usr/bin,usr/lib,dev,proc,sys,root,etc}
ln -s usr/bin "$ROOTFS/bin"
ln -s usr/bin "$ROOTFS/sbin"
ln -s usr/lib "$ROOTFS/lib"
install -m 0755 "$(deref "$(tree_bin busybox)")" "$ROOTFS/usr/bin/busybox"
ln -s busybox "$ROOTFS/usr/bin/sh"
install_modules "$HERE/os-image/modules.list"
list "$HERE/os-image/modules.list" >"$ROOTFS/etc/modules"
install -m 0755 "$HERE/os-image/init" "$ROOTFS/init"
printf 'IMAGE_ID=%s\n' "$IMAGE_ID" >"$ROOTFS/etc/teeth-os.conf"
stamp_tree "$ROOTFS"
INITRD=$WORK/initrd.img
(cd "$ROOTFS" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible -R 0:0) | gzip -9 -n >"$INITRD"

# 4. The root file system: kernel, initramfs, grub.cfg, a BLS entry, the image id.
CMDLINE="root=UUID=$ROOT_FS_UUID ro console=tty0 console=ttyS0,115200 teeth.os.image=$IMAGE_ID"
ROOTDIR=$WORK/root
mkdir -p "$ROOTDIR"/{boot/grub,boot/loader/entries,etc/teeth,dev,proc,sys}
install -m 0644 "$CACHE/kernel/boot/vmlinuz-$KVER" "$ROOTDIR/boot/vmlinuz-$KVER"
install -m 0644 "$CACHE/kernel/boot/config-$KVER" "$ROOTDIR/boot/config-$KVER"
install -m 0644 "$INITRD" "$ROOTDIR/boot/initrd.img-$KVER"
echo "$IMAGE_ID" >"$ROOTDIR/etc/teeth/image-id"
printf 'NAME="Teeth OS"\nID=teeth-os\nID_LIKE=debian\nVERSION_ID=%s\nPRETTY_NAME="Teeth OS %s (Debian kernel %s)"\n' \
  "$IMAGE_ID" "$IMAGE_ID" "$KVER" >"$ROOTDIR/etc/os-release"
# The serial terminal only on BIOS: under OVMF the firmware console is the serial port
# already, and GRUB writing to both would print every character twice.
cat >"$ROOTDIR/boot/grub/grub.cfg" <<EOF
# Teeth OS image $IMAGE_ID (image-build/build-os-image.sh). The default entry is what a
# deploy's kexec step reads: kernel, initramfs and command line, root by file system UUID.
if [ "\$grub_platform" = pc ]; then
  serial --unit=0 --speed=115200
  terminal_input serial console
  terminal_output serial console
fi
set default=0
set timeout=1
menuentry 'Teeth OS $IMAGE_ID' --id $NAME {
	search --no-floppy --fs-uuid --set=root $ROOT_FS_UUID
	linux /boot/vmlinuz-$KVER $CMDLINE
	initrd /boot/initrd.img-$KVER
}
EOF
cat >"$ROOTDIR/boot/loader/entries/$NAME.conf" <<EOF
title Teeth OS $IMAGE_ID
version $KVER
linux /boot/vmlinuz-$KVER
initrd /boot/initrd.img-$KVER
options $CMDLINE
EOF
stamp_tree "$ROOTDIR"

# 5. The GPT layout: BIOS boot (1 MiB), ESP, root (the rest). Fixed GUIDs, so sgdisk's
#    output depends on the inputs only.
RAW=$WORK/$NAME.raw
truncate -s "${SIZE_MIB}M" "$RAW"
sgdisk -o -U "$DISK_GUID" \
  -n 1:2048:4095 -t 1:EF02 -u "1:$BIOS_PART_UUID" -c 1:bios-boot \
  -n "2:4096:+${ESP_MIB}M" -t 2:EF00 -u "2:$ESP_PART_UUID" -c 2:esp \
  -n 3:0:0 -t 3:8304 -u "3:$ROOT_PART_UUID" -c 3:teeth-root "$RAW" >/dev/null
part_start() { sgdisk -i "$1" "$RAW" | sed -n 's/^First sector: \([0-9]*\).*/\1/p'; }
part_end() { sgdisk -i "$1" "$RAW" | sed -n 's/^Last sector: \([0-9]*\).*/\1/p'; }
ESP_START=$(part_start 2)
ESP_SECTORS=$(($(part_end 2) - ESP_START + 1))
ROOT_START=$(part_start 3)
ROOT_SECTORS=$(($(part_end 3) - ROOT_START + 1))

# 6. The root ext4, made from the directory. mke2fs takes its own times from
#    E2FSPROGS_FAKE_TIME; it copies the files' ctimes (which touch cannot set), so debugfs
#    pins every inode's ctime (and crtime) afterwards.
log "root ext4 ($((ROOT_SECTORS / 2048)) MiB, UUID $ROOT_FS_UUID)"
ROOTFS_IMG=$WORK/root.ext4
truncate -s $((ROOT_SECTORS * 512)) "$ROOTFS_IMG"
E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH mkfs.ext4 -q -F -t ext4 -L teeth-root -U "$ROOT_FS_UUID" -m 0 \
  -E "root_owner=0:0,hash_seed=$ROOT_HASH_SEED,lazy_itable_init=0,nodiscard" -d "$ROOTDIR" "$ROOTFS_IMG"
(cd "$ROOTDIR" && find . | LC_ALL=C sort) | while read -r p; do
  p=${p#.}
  for field in ctime crtime atime mtime; do echo "set_inode_field \"${p:-/}\" $field @$SOURCE_DATE_EPOCH"; echo "set_inode_field \"${p:-/}\" ${field}_extra 0"; done
done >"$WORK/debugfs.cmds"
for field in ctime crtime atime mtime; do echo "set_inode_field /lost+found $field @$SOURCE_DATE_EPOCH"; done >>"$WORK/debugfs.cmds"
E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH debugfs -w -f "$WORK/debugfs.cmds" "$ROOTFS_IMG" >/dev/null 2>"$WORK/debugfs.err" ||
  die "debugfs: $(cat "$WORK/debugfs.err")"
! grep -v '^debugfs ' "$WORK/debugfs.err" | grep -q . || die "debugfs: $(cat "$WORK/debugfs.err")"
E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH e2fsck -fn "$ROOTFS_IMG" >"$WORK/e2fsck.log" 2>&1 || die "e2fsck: $(cat "$WORK/e2fsck.log")"

# 7. GRUB. The same early config in both images: find the root by UUID, load its grub.cfg.
GRUB_LIB=$TREE/usr/lib/grub
EARLY=$WORK/early.cfg
printf 'search --no-floppy --fs-uuid --set=root %s\nset prefix=($root)/boot/grub\n' "$ROOT_FS_UUID" >"$EARLY"
GRUB_MODULES=(part_gpt ext2 search search_fs_uuid normal linux configfile echo test serial terminal boot)
grub_mkimage() { "$(deref "$(tree_bin grub-mkimage)")" "$@"; }
grub_mkimage -O i386-pc -d "$GRUB_LIB/i386-pc" -c "$EARLY" -p /boot/grub -o "$WORK/core.img" biosdisk "${GRUB_MODULES[@]}"
grub_mkimage -O x86_64-efi -d "$GRUB_LIB/x86_64-efi" -c "$EARLY" -p /boot/grub -o "$WORK/BOOTX64.EFI" "${GRUB_MODULES[@]}" fat efi_gop
CORE_SECTORS=$(($(stat -c %s "$WORK/core.img") / 512))
[ "$CORE_SECTORS" -le 2048 ] || die "core.img ($CORE_SECTORS sectors) does not fit the 1 MiB BIOS boot partition"

# 8. The ESP: FAT32 with a fixed volume id, files copied by mtools with their (fixed) times.
log "ESP FAT32 ($ESP_MIB MiB, id $ESP_FS_UUID)"
ESPDIR=$WORK/esp
mkdir -p "$ESPDIR/EFI/BOOT"
install -m 0644 "$WORK/BOOTX64.EFI" "$ESPDIR/EFI/BOOT/BOOTX64.EFI"
stamp_tree "$ESPDIR"
ESP_IMG=$WORK/esp.fat
truncate -s $((ESP_SECTORS * 512)) "$ESP_IMG"
# --invariant fixes the times and layout choices; the -i after it wins over its volume id.
mkfs.fat -F 32 -n TEETH-ESP --invariant -i "$ESP_VOLUME_ID" "$ESP_IMG" >/dev/null
MTOOLS_SKIP_CHECK=1 mcopy -s -m -Q -i "$ESP_IMG" "$ESPDIR/EFI" ::/

# 9. Assemble: file systems at their offsets, GRUB's i386-pc core.img in the BIOS boot
#    partition, and boot.img in the protective MBR's code area. What grub-install would patch
#    is patched here: boot.img's pointer to core.img's first sector (0x5c), its boot-drive
#    check (0x66, NOPs for a hard disk), and diskboot's blocklist (the rest of core.img,
#    0x1f4 in core.img's first sector; grub-mkimage filled its length).
dd if="$ROOTFS_IMG" of="$RAW" bs=1M seek=$((ROOT_START * 512)) oflag=seek_bytes conv=notrunc,sparse status=none
dd if="$ESP_IMG" of="$RAW" bs=1M seek=$((ESP_START * 512)) oflag=seek_bytes conv=notrunc,sparse status=none
le64() { local v=$1 i; for i in 0 1 2 3 4 5 6 7; do printf "\\x$(printf %02x $(((v >> (8 * i)) & 255)))"; done; }
le64 2049 | dd of="$WORK/core.img" bs=1 seek=$((0x1f4)) conv=notrunc status=none
dd if="$WORK/core.img" of="$RAW" bs=512 seek=2048 conv=notrunc status=none
BOOT_IMG=$GRUB_LIB/i386-pc/boot.img
dd if="$BOOT_IMG" of="$RAW" bs=1 count=3 conv=notrunc status=none
dd if="$BOOT_IMG" of="$RAW" bs=1 skip=$((0x5a)) seek=$((0x5a)) count=$((440 - 0x5a)) conv=notrunc status=none
le64 2048 | dd of="$RAW" bs=1 seek=$((0x5c)) conv=notrunc status=none
printf '\x90\x90' | dd of="$RAW" bs=1 seek=$((0x66)) conv=notrunc status=none
sgdisk -v "$RAW" | grep -q 'No problems found' || die "sgdisk -v: $(sgdisk -v "$RAW")"

# 10. The other formats, checksums, manifest.
# qcow2 compressed (-c): 12.7 MiB against 17 MiB, for 0.4 s (the kernel is compressed
# already). zstd -19 without --long: --long=27 saves 4 KB but makes every decoder hold a
# 128 MiB window (8 MiB at -19 alone).
log "qcow2 and zstd"
qemu-img convert -f raw -O qcow2 -c "$RAW" "$WORK/$NAME.qcow2"
zstd -q -19 -T0 -f "$RAW" -o "$WORK/$NAME.raw.zst"
for f in "$NAME.raw" "$NAME.qcow2" "$NAME.raw.zst"; do
  (cd "$WORK" && sha256sum "$f" >"$f.sha256")
done
sha() { cut -d' ' -f1 "$WORK/$1.sha256"; }
jq -n --arg id "$IMAGE_ID" --arg kver "$KVER" --arg kpkg "$KPKG" --arg cmdline "$CMDLINE" \
  --arg disk "$DISK_GUID" --arg bios "$BIOS_PART_UUID" --arg esp "$ESP_PART_UUID" --arg rootp "$ROOT_PART_UUID" \
  --arg rootfs "$ROOT_FS_UUID" --arg espfs "$ESP_FS_UUID" --argjson epoch "$SOURCE_DATE_EPOCH" \
  --argjson raw "$(stat -c %s "$RAW")" --argjson qcow2 "$(stat -c %s "$WORK/$NAME.qcow2")" \
  --argjson zst "$(stat -c %s "$WORK/$NAME.raw.zst")" \
  --arg rawsha "$(sha "$NAME.raw")" --arg qsha "$(sha "$NAME.qcow2")" --arg zsha "$(sha "$NAME.raw.zst")" '{
    image_id: $id, kernel_version: $kver, kernel_package: $kpkg, source_date_epoch: $epoch,
    kernel: ("/boot/vmlinuz-" + $kver), initrd: ("/boot/initrd.img-" + $kver), cmdline: $cmdline,
    grub_cfg: "/boot/grub/grub.cfg", bls_entry: "/boot/loader/entries/teeth-os.conf",
    disk_guid: $disk, root_fs_uuid: $rootfs, esp_fs_uuid: $espfs,
    partitions: [
      { number: 1, name: "bios-boot", type: "21686148-6449-6e6f-744e-656564454649", uuid: $bios },
      { number: 2, name: "esp", type: "c12a7328-f81f-11d2-ba4b-00a0c93ec93b", uuid: $esp, fs: "vfat", fs_uuid: $espfs },
      { number: 3, name: "teeth-root", type: "4f68bce3-e8cd-4db1-96e7-fbcaf984b709", uuid: $rootp, fs: "ext4", fs_uuid: $rootfs }
    ],
    files: {
      raw: { name: "teeth-os.raw", bytes: $raw, sha256: $rawsha },
      qcow2: { name: "teeth-os.qcow2", bytes: $qcow2, sha256: $qsha },
      zst: { name: "teeth-os.raw.zst", bytes: $zst, sha256: $zsha }
    }
  }' >"$WORK/$NAME.json"
jq -r '"OS_IMAGE_ID=\(.image_id)", "OS_KERNEL_VERSION=\(.kernel_version)", "OS_DISK_GUID=\(.disk_guid)",
  "OS_BIOS_PART_UUID=\(.partitions[0].uuid)", "OS_ESP_PART_UUID=\(.partitions[1].uuid)",
  "OS_ROOT_PART_UUID=\(.partitions[2].uuid)", "OS_ROOT_FS_UUID=\(.root_fs_uuid)", "OS_ESP_FS_UUID=\(.esp_fs_uuid)",
  "OS_RAW_BYTES=\(.files.raw.bytes)", "OS_QCOW2_BYTES=\(.files.qcow2.bytes)", "OS_ZST_BYTES=\(.files.zst.bytes)",
  "OS_RAW_SHA256=\(.files.raw.sha256)", "OS_QCOW2_SHA256=\(.files.qcow2.sha256)", "OS_ZST_SHA256=\(.files.zst.sha256)"' \
  "$WORK/$NAME.json" >"$WORK/$NAME.env"

for f in "$NAME.raw" "$NAME.qcow2" "$NAME.raw.zst"; do
  mv "$WORK/$f.sha256" "$OUT/$f.sha256"
  mv "$WORK/$f" "$OUT/$f"
done
mv "$WORK/$NAME.json" "$WORK/$NAME.env" "$OUT/"
echo "$stamp" >"$OUT/.stamp"
rm -rf "$WORK"
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
log "$IMAGE_ID, kernel $KVER: raw $(mib "$(stat -c %s "$OUT/$NAME.raw")") ($(mib $(($(stat -c %b "$OUT/$NAME.raw") * 512))) allocated)," \
  "qcow2 $(mib "$(stat -c %s "$OUT/$NAME.qcow2")"), zst $(mib "$(stat -c %s "$OUT/$NAME.raw.zst")")"
cat "$OUT/$NAME.env"
