# Sourced by build-ramdisk.sh. Copies programs from the unpacked Debian tree into the RAM
# disk's root together with every shared library they need. The list comes from the tree's
# own loader (`ld.so --list`, what ldd does) with the tree's library directories first; a
# library found anywhere else (the build host) is an error, never copied.

MULTIARCH=x86_64-linux-gnu
declare -A ELF_DONE=()

# tree_lib NAME: the path of library NAME in the unpacked tree, or nothing.
tree_lib() {
  local d
  for d in "usr/lib/$MULTIARCH" "lib/$MULTIARCH" usr/lib64 lib64 usr/lib lib; do
    if [ -e "$TREE/$d/$1" ]; then
      echo "$TREE/$d/$1"
      return 0
    fi
  done
  return 1
}

# tree_bin NAME: the path of program NAME in the unpacked tree, or nothing.
tree_bin() {
  local d
  for d in usr/sbin usr/bin sbin bin; do
    if [ -f "$TREE/$d/$1" ] || [ -L "$TREE/$d/$1" ]; then
      echo "$TREE/$d/$1"
      return 0
    fi
  done
  return 1
}

# deref PATH: follows symlinks inside the tree (absolute targets are relative to the tree).
deref() {
  local p=$1 t n=0
  while [ -L "$p" ] && [ $n -lt 20 ]; do
    t=$(readlink "$p")
    case $t in
      /*) p=$TREE$t ;;
      *) p=$(dirname "$p")/$t ;;
    esac
    n=$((n + 1))
  done
  echo "$p"
}

# tree_ldso ARGS...: the tree's glibc loader, searching the tree's library directories.
tree_ldso() {
  "$(deref "$(tree_lib ld-linux-x86-64.so.2)")" --library-path "$TREE/usr/lib/$MULTIARCH:$TREE/lib/$MULTIARCH" "$@"
}

# copy_libs_of FILE: copies every library FILE loads into $ROOTFS/usr/lib/$MULTIARCH (nothing
# for a static program).
copy_libs_of() {
  local out lib path
  out=$(tree_ldso --list "$1" 2>&1) || return 0 # static, or not a program
  while read -r lib arrow path _; do
    # Lines are "libX.so.N => /path (0x...)"; skip the vdso, "statically linked", and the
    # loader (listed by absolute path, copied on its own).
    [ "$arrow" = "=>" ] || continue
    case $lib in /*) continue ;; esac
    [ -n "${ELF_DONE[$lib]:-}" ] && continue
    case $path in
      "$TREE"/*) ;;
      *) die "library $lib (needed by ${1#"$ROOT"/}) is in none of the unpacked packages (resolved to: $path)" ;;
    esac
    ELF_DONE[$lib]=1
    install -D -m 0755 "$(deref "$path")" "$ROOTFS/usr/lib/$MULTIARCH/$lib"
  done <<<"$out"
}

# copy_program SRC [DEST-NAME]: copies a program into /usr/bin with its libraries.
copy_program() {
  local src dest
  src=$(deref "$1")
  dest=$ROOTFS/usr/bin/${2:-$(basename "$1")}
  install -D -m 0755 "$src" "$dest"
  copy_libs_of "$src"
}

# copy_library NAME: copies one library the programs load at run time (dlopen: NSS, libgcc_s).
copy_library() {
  local src
  src=$(tree_lib "$1") || die "library $1 is in none of the unpacked packages"
  src=$(deref "$src")
  install -D -m 0755 "$src" "$ROOTFS/usr/lib/$MULTIARCH/$1"
  ELF_DONE[$1]=1
  copy_libs_of "$src"
}
