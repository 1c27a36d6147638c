# Sourced by build-ramdisk.sh. Puts the kernel modules of modules.list, with everything they
# depend on, into the RAM disk, and indexes them with depmod. kmod comes from the unpacked
# Debian tree (run through the tree's own ld.so), so the build host needs no kmod.

# tree_kmod NAME ARGS...: runs kmod as NAME (depmod, modprobe) from the unpacked tree.
tree_kmod() {
  local name=$1; shift
  local ldso
  ldso=$(deref "$(tree_lib ld-linux-x86-64.so.2)")
  "$ldso" --library-path "$TREE/usr/lib/$MULTIARCH:$TREE/lib/$MULTIARCH" --argv0 "$name" \
    "$(deref "$(tree_bin kmod)")" "$@"
}

# install_modules LIST: copies the listed modules and their dependencies; sets KVER.
install_modules() {
  local listfile=$1 kroot=$CACHE/kernel name line path n=0
  KVER=$(ls "$kroot/lib/modules")
  [ -f "$kroot/lib/modules/$KVER/modules.dep" ] || tree_kmod depmod -b "$kroot" "$KVER"
  local dest=$ROOTFS/usr/lib/modules/$KVER
  mkdir -p "$dest"
  declare -A seen=()
  for name in $(list "$listfile"); do
    local deps
    deps=$(tree_kmod modprobe -d "$kroot" -S "$KVER" --show-depends "$name" 2>&1) ||
      die "kernel module $name: $deps"
    while read -r line; do
      case $line in
        insmod\ *)
          path=$(awk '{print $2}' <<<"$line")
          [ -n "${seen[$path]:-}" ] && continue
          seen[$path]=1
          install -D -m 0644 "$path" "$dest/${path#"$kroot/lib/modules/$KVER/"}"
          n=$((n + 1))
          ;;
      esac
    done <<<"$deps"
  done
  cp "$kroot/lib/modules/$KVER"/modules.{order,builtin,builtin.modinfo} "$dest/"
  tree_kmod depmod -b "$ROOTFS" "$KVER"
  log "$n kernel modules for $KVER"
}
