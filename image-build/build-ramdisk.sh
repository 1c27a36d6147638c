#!/usr/bin/env bash
# Builds the Teeth RAM disk: build/ramdisk/vmlinuz and build/ramdisk/initramfs.img (newc cpio,
# zstd or xz), from Debian packages only (apt-get download + dpkg -x into build/ramdisk/cache,
# nothing installed on the host) plus dist/teeth and dist/hardware-managers/*.js.
#
#   bash image-build/build-ramdisk.sh            # or: make ramdisk
#   RAMDISK_COMPRESS=xz bash image-build/build-ramdisk.sh
#
# zstd is the default: under QEMU TCG the kernel reaches /init in ~8 s with zstd against ~18 s
# with xz, for an image only 7% bigger (measured with test/ramdisk/measure-boot.sh). The zstd
# level (RAMDISK_ZSTD_LEVEL, default 19) changes size and build time, not boot time.
#
# Cached: packages are downloaded once per version, unpacked once per package set, and the
# initramfs is recompressed only when the assembled root changed.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT=${RAMDISK_OUT:-$ROOT/build/ramdisk}
CACHE=$OUT/cache
TREE=$CACHE/tree
ROOTFS=$OUT/rootfs
COMPRESS=${RAMDISK_COMPRESS:-zstd}
ZSTD_LEVEL=${RAMDISK_ZSTD_LEVEL:-19}
TEETH_BIN=${TEETH_BIN:-$ROOT/dist/teeth}
PLUGINS_DIR=$ROOT/dist/hardware-managers

log() { echo "ramdisk: $*" >&2; }
die() {
  echo "ramdisk: error: $*" >&2
  exit 1
}
list() { grep -Ev '^\s*(#|$)' "$1"; }

# shellcheck source=lib/fetch-debs.sh
. "$HERE/lib/fetch-debs.sh"
# shellcheck source=lib/copy-elf.sh
. "$HERE/lib/copy-elf.sh"
# shellcheck source=lib/kernel.sh
. "$HERE/lib/kernel.sh"

[ "$(id -u)" = 0 ] || die "run as root (device nodes, chroot checks)"
[ -x "$TEETH_BIN" ] || die "$TEETH_BIN is missing: run 'make build' first"
case $COMPRESS in zstd | xz) ;; *) die "RAMDISK_COMPRESS must be zstd or xz" ;; esac
for tool in apt-get apt-cache dpkg sha256sum chroot "$COMPRESS"; do
  command -v "$tool" >/dev/null || die "$tool is needed on the build host"
done

ensure_apt_lists

# 1. The kernel: linux-image-amd64 names the current ABI package.
KPKG=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -1)
[ -n "$KPKG" ] || die "cannot resolve linux-image-amd64 to a kernel package"
mapfile -t kdebs < <(fetch_debs "$CACHE/debs" "$KPKG")
unpack_debs "$CACHE/debs" "$CACHE/kernel" "${kdebs[@]}"

# 2. The tools, busybox and glibc, with the libraries they depend on.
mapfile -t pkgs < <(resolve_packages $(list "$HERE/packages.list"))
mapfile -t debs < <(fetch_debs "$CACHE/debs" "${pkgs[@]}")
unpack_debs "$CACHE/debs" "$TREE" "${debs[@]}"

# 3. Assemble the root from scratch (cheap: a few hundred MB of copies).
log "assembling root in ${ROOTFS#"$ROOT"/}"
rm -rf "$ROOTFS"
mkdir -p "$ROOTFS"/{usr/bin,usr/lib/$MULTIARCH,usr/lib64,dev,proc,sys,run,tmp,root,mnt,var,etc/teeth/hardware-managers}
ln -s usr/bin "$ROOTFS/bin"
ln -s usr/bin "$ROOTFS/sbin"
ln -s bin "$ROOTFS/usr/sbin"
ln -s usr/lib "$ROOTFS/lib"
ln -s usr/lib64 "$ROOTFS/lib64"
ln -s ../run "$ROOTFS/var/run"
ln -s ../tmp "$ROOTFS/var/tmp"
mknod -m 600 "$ROOTFS/dev/console" c 5 1
mknod -m 666 "$ROOTFS/dev/null" c 1 3

# glibc's loader, and what glibc loads at run time (name service, unwinding for threads).
copy_library ld-linux-x86-64.so.2
ln -s ../lib/$MULTIARCH/ld-linux-x86-64.so.2 "$ROOTFS/usr/lib64/ld-linux-x86-64.so.2"
for lib in libnss_files.so.2 libnss_dns.so.2 libresolv.so.2 libgcc_s.so.1; do copy_library "$lib"; done
# What the agent itself dlopens (bun:ffi): its in-process gzip and zstd decoders.
for lib in libz.so.1 libzstd.so.1; do copy_library "$lib"; done

while read -r prog aliases; do
  src=$(tree_bin "$prog") || die "$prog is in none of the packages of image-build/packages.list"
  copy_program "$src"
  for a in $aliases; do ln -sf "$prog" "$ROOTFS/usr/bin/$a"; done
done < <(list "$HERE/tools.list")

# busybox for everything else (cat, udhcpc, ...): a link per applet no real tool shadows.
install -m 0755 "$(tree_bin busybox)" "$ROOTFS/usr/bin/busybox"
for applet in $("$ROOTFS/usr/bin/busybox" --list); do
  [ -e "$ROOTFS/usr/bin/$applet" ] || [ -L "$ROOTFS/usr/bin/$applet" ] || ln -s busybox "$ROOTFS/usr/bin/$applet"
done
install -D -m 0644 "$TREE/usr/share/misc/pci.ids" "$ROOTFS/usr/share/misc/pci.ids"

# The agent and its plugins.
install -m 0755 "$TEETH_BIN" "$ROOTFS/usr/bin/teeth"
copy_libs_of "$TEETH_BIN"
shopt -s nullglob
plugins=("$PLUGINS_DIR"/*.js)
shopt -u nullglob
[ ${#plugins[@]} -gt 0 ] || log "warning: no plugins in dist/hardware-managers (run 'make plugins')"
for p in "${plugins[@]}"; do install -m 0644 "$p" "$ROOTFS/etc/teeth/hardware-managers/"; done

# Kernel modules and /init.
install_modules "$HERE/modules.list"
cp -a "$HERE/rootfs/." "$ROOTFS/"
cat >"$ROOTFS/etc/passwd" <<'EOT'
root:x:0:0:root:/root:/bin/sh
EOT
echo "root:x:0:" >"$ROOTFS/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$ROOTFS/etc/nsswitch.conf"
printf '127.0.0.1 localhost teeth\n::1 localhost\n' >"$ROOTFS/etc/hosts"
printf 'NAME="Teeth RAM disk"\nID=teeth\nID_LIKE=debian\nPRETTY_NAME="Teeth RAM disk (Debian %s, kernel %s)"\n' \
  "$(cat "$TREE/etc/debian_version" 2>/dev/null || echo 12)" "$KVER" >"$ROOTFS/etc/os-release"

# 4. Check every program resolves all its libraries inside the new root (ld.so --list in a chroot;
#    static programs and scripts answer "not a dynamic executable", which is fine).
bad=0
for f in "$ROOTFS"/usr/bin/* "$ROOTFS"/usr/lib/$MULTIARCH/*.so*; do
  [ -L "$f" ] && continue
  if chroot "$ROOTFS" /usr/lib64/ld-linux-x86-64.so.2 --list "${f#"$ROOTFS"}" 2>&1 | grep -q 'not found'; then
    log "unresolved libraries in ${f#"$ROOTFS"}:"
    chroot "$ROOTFS" /usr/lib64/ld-linux-x86-64.so.2 --list "${f#"$ROOTFS"}" | grep 'not found' >&2
    bad=1
  fi
done
[ $bad = 0 ] || die "some programs would not start"
chroot "$ROOTFS" /bin/sh -c 'nvme version >/dev/null && lsblk --version >/dev/null && modprobe --version >/dev/null' ||
  die "smoke test in the new root failed"

# 5. The initramfs, recompressed only when the root changed.
# The stamp covers names, modes, link targets and contents, not times (the root is rebuilt each run).
(cd "$ROOTFS" && find . -printf '%p %y %m %l\n' | LC_ALL=C sort && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) \
  >"$OUT/rootfs.manifest"
manifest=$(sha256sum <"$OUT/rootfs.manifest" | cut -c1-16)-$COMPRESS-$ZSTD_LEVEL
if [ -f "$OUT/initramfs.img" ] && [ "$(cat "$OUT/.initramfs.stamp" 2>/dev/null)" = "$manifest" ]; then
  log "initramfs unchanged"
else
  log "packing initramfs ($COMPRESS)"
  case $COMPRESS in
    zstd) compressor=(zstd -q "-$ZSTD_LEVEL" -T0 -c) ;;
    # The kernel's xz decoder checks CRC32 at most (xz's default CRC64 is refused).
    xz) compressor=(xz -q -9 -T0 --check=crc32 -c) ;;
  esac
  (cd "$ROOTFS" && find . | LC_ALL=C sort | "$ROOTFS/usr/bin/busybox" cpio -o -H newc 2>/dev/null) >"$OUT/initramfs.cpio"
  "${compressor[@]}" "$OUT/initramfs.cpio" >"$OUT/initramfs.img.tmp"
  mv "$OUT/initramfs.img.tmp" "$OUT/initramfs.img"
  echo "$manifest" >"$OUT/.initramfs.stamp"
fi
install -m 0644 "$CACHE/kernel/boot/vmlinuz-$KVER" "$OUT/vmlinuz"

mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
size() { stat -c %s "$1"; }
echo "ramdisk: kernel $KVER: ${OUT#"$ROOT"/}/vmlinuz $(mib "$(size "$OUT/vmlinuz")")"
echo "ramdisk: ${OUT#"$ROOT"/}/initramfs.img $(mib "$(size "$OUT/initramfs.img")") ($COMPRESS), $(mib "$(size "$OUT/initramfs.cpio")") uncompressed"
echo "ramdisk: of which teeth $(mib "$(size "$ROOTFS/usr/bin/teeth")"), modules $(du -sb "$ROOTFS/usr/lib/modules" | awk '{printf "%.1f MiB", $1/1048576}'), $(find "$ROOTFS/usr/lib/modules" -name '*.ko' | wc -l) modules"
