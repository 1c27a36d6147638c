# Sourced by build-ramdisk.sh. Downloads Debian packages with apt (never installs them) and
# unpacks them with dpkg -x into a cache. Only files whose exact name (package_version) is
# not cached yet are downloaded, so a re-run costs one `apt-get download --print-uris`.

# Packages that a tool package depends on but whose files the RAM disk never needs
# (maintainer-script and packaging machinery, perl, the installer).
FETCH_SKIP_RE='^(perl|perl-base|perl-modules-.*|libperl.*|lib.*-perl|debconf|cdebconf|dpkg|adduser|usrmerge|usr-is-merged|install-info|init-system-helpers|passwd|lsb-base|sysvinit-utils|libdebian-installer.*|libnewt.*|libslang.*|libtextwrap.*|readline-common|util-linux-extra|uuid-runtime|logsave)$'

APT_OPTS=(-o APT::Sandbox::User=root -o DPkg::Lock::Timeout=900 -q)

# Makes sure apt knows the packages (a fresh machine has no lists yet).
ensure_apt_lists() {
  if ! apt-cache show busybox-static >/dev/null 2>&1; then
    log "apt-get update"
    apt-get "${APT_OPTS[@]}" update -qq
  fi
}

# resolve_packages PKG...: the packages plus their Depends/Pre-Depends, recursively, minus
# virtual ones and FETCH_SKIP_RE.
resolve_packages() {
  apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances "$@" |
    grep -E '^[a-z0-9]' | sort -u | grep -Ev "$FETCH_SKIP_RE"
}

# fetch_debs DIR PKG...: downloads the .debs not yet in DIR; prints their file names (all of them).
fetch_debs() {
  local dir=$1; shift
  mkdir -p "$dir"
  local uris missing=() line file name
  uris=$(apt-get "${APT_OPTS[@]}" download --print-uris "$@")
  while read -r line; do
    [ -n "$line" ] || continue
    file=$(awk '{print $2}' <<<"$line")
    if [ ! -s "$dir/$file" ]; then
      name=${file%%_*}
      missing+=("$name")
    fi
  done <<<"$uris"
  if [ ${#missing[@]} -gt 0 ]; then
    log "downloading ${#missing[@]} package(s): ${missing[*]}"
    # A failure usually means stale lists (the mirror moved to a newer version): update once.
    if ! (cd "$dir" && apt-get "${APT_OPTS[@]}" download "${missing[@]}" >/dev/null); then
      log "download failed; apt-get update and retrying"
      apt-get "${APT_OPTS[@]}" update -qq
      fetch_debs "$dir" "$@"
      return
    fi
  fi
  awk '{print $2}' <<<"$uris"
}

# unpack_debs DIR TREE FILE...: a tree holding every listed .deb unpacked; rebuilt only when the
# set of files changed (a version bump, a package added).
unpack_debs() {
  local dir=$1 tree=$2; shift 2
  local want
  want=$(printf '%s\n' "$@" | sort | sha256sum | cut -c1-16)
  if [ -f "$tree/.stamp" ] && [ "$(cat "$tree/.stamp")" = "$want" ]; then
    return 0
  fi
  log "unpacking $# package(s) into ${tree#"$ROOT"/}"
  rm -rf "$tree"
  mkdir -p "$tree"
  local f
  for f in "$@"; do
    dpkg -x "$dir/$f" "$tree"
  done
  echo "$want" >"$tree/.stamp"
}
