#!/usr/bin/env bash
# `make demo`: Teeth provisions servers end to end through their BMCs and the network. The
# virtual rack (test/lab/: QEMU servers, one SeaBIOS and one OVMF, each behind an ipmi_sim
# BMC, and the conductor with its dnsmasq, all in the namespace lab-rack) comes up; the
# servers are enrolled with their IPMI credentials (from files, never argv), managed,
# inspected (the agent in the RAM disk reports both disks and its BMC's address, read
# in-band), cleaned (metadata erase and the NVMe drive's secure erase), deployed (live
# progress bar), and shown booted from their disk. A table of each phase's time ends it.
# The lab is removed on exit, also on failure or Ctrl-C.
#
# The OS image: build/os-image/teeth-os.raw.zst when the Makefile has `os-image` (its serial
# console prints TEETH-OS-BOOTED ...), else TEETH_DEMO_IMAGE=FILE, else a GPT test image made
# here; one without the marker is checked by comparing the disk's bytes after power-off.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
TEETH=$REPO/dist/teeth
BUN=$REPO/node_modules/.bin/bun
SERVERS=${TEETH_DEMO_SERVERS:-2}
# TEETH_DEMO_LAB=lab-x runs it in another namespace (beside a lab-rack someone else runs).
NAME=${TEETH_DEMO_LAB:-lab-rack}
LAB=$REPO/build/lab/$NAME
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

if [ "$(id -u)" != 0 ]; then echo "make demo needs root (network namespaces, taps, QEMU): run it as root" >&2; exit 1; fi

cleanup() {
  rc=$?
  say "cleaning up: make lab-down"
  [ "$rc" != 0 ] && [ -d "$LAB" ] && { mkdir -p "$REPO/build/demo-logs"; cp -r "$LAB"/conductor.log "$LAB"/server-*/serial.log "$REPO/build/demo-logs/" 2>/dev/null || true;
    for s in "$LAB"/server-*; do cp "$s/serial.log" "$REPO/build/demo-logs/$(basename "$s").serial.log" 2>/dev/null || true; done
    echo "logs of the failed run kept in build/demo-logs/"; }
  "$BUN" test/lab/lab-cli.ts down --name "$NAME" || true
  exit "$rc"
}
trap cleanup EXIT

say "the RAM disk (make ramdisk)"
make -s ramdisk | tail -3
ls -l build/ramdisk/vmlinuz build/ramdisk/initramfs.img | awk '{printf "%s  %.1f MiB\n", $9, $5/1048576}'

say "the OS image"
IMAGE=${TEETH_DEMO_IMAGE:-}
if [ -z "$IMAGE" ] && grep -q '^os-image:' Makefile; then
  make -s os-image && IMAGE=$REPO/build/os-image/teeth-os.raw.zst
fi
WORK=$(mktemp -d /tmp/teeth-demo.XXXXXX)
if [ -z "$IMAGE" ]; then
  echo "no make os-image in this tree yet: deploying a GPT test image (no OS: the disk's bytes are checked instead of a boot marker)"
  truncate -s 1G "$WORK/os.raw"
  sgdisk -n 1:2048:0 -t 1:8300 -c 1:teeth-demo-root "$WORK/os.raw" > /dev/null
  head -c 300M /dev/urandom | dd of="$WORK/os.raw" bs=1M seek=8 conv=notrunc status=none
  zstd -q -T0 -3 "$WORK/os.raw" -o "$WORK/demo-os.raw.zst"
  IMAGE=$WORK/demo-os.raw.zst
fi
ls -l "$IMAGE" | awk '{printf "%s  %.1f MiB\n", $9, $5/1048576}'

say "the virtual rack (make lab-up)"
"$BUN" test/lab/lab-cli.ts up --servers "$SERVERS" --name "$NAME"
STATE=$LAB/lab.json
NS=$(jq -r .netns "$STATE")
URL=$(jq -r .conductor.url "$STATE")
mkdir -p "$LAB/conductor-data/images"
cp "$IMAGE" "$LAB/conductor-data/images/"
IMAGE_NAME=$(basename "$IMAGE")
t() { echo "\$ teeth $*"; ip netns exec "$NS" "$TEETH" "$@" --url "$URL" --token-file "$LAB/operator-token"; }
tq() { ip netns exec "$NS" "$TEETH" "$@" --url "$URL" --token-file "$LAB/operator-token"; }
names=$(jq -r '.servers[].name' "$STATE")

say "enroll: driver ipmi, the BMC's address and credentials (password from its file), the NIC's MAC"
for i in $(seq 0 $((SERVERS - 1))); do
  s() { jq -r ".servers[$i].$1" "$STATE"; }
  name=$(s name) fw=$(s firmware)
  t node create --name "$name" --driver ipmi --driver-info "ipmi_address=$(s bmc.address)" --driver-info "ipmi_port=$(s bmc.port)" \
    --driver-info "ipmi_username=$(s bmc.user)" --driver-info "ipmi_password=@$(s bmc.passwordFile)" \
    --property 'root_device={"name":"/dev/vda"}' --property "capabilities=boot_mode:$fw" | grep -E '^(name|uuid|driver|provision_state) '
  t port create "$(s mac)" --node "$name" | grep -E '^address '
done

# Runs "$@" for every server at once (one output file each), then prints them in order.
each() {
  local pids=() n
  for n in $names; do ("$@" "$n" > "$WORK/$n.out" 2>&1; echo $? > "$WORK/$n.rc") & pids+=($!); done
  wait "${pids[@]}"
  for n in $names; do cat "$WORK/$n.out"; [ "$(cat "$WORK/$n.rc")" = 0 ] || { echo "$n failed"; return 1; }; done
}

say "manage: the conductor checks each BMC (power status over IPMI)"
each tq node manage --wait
say "inspect: each server PXE-boots the RAM disk; the agent reports its hardware (both servers at once)"
each tq node inspect --wait --timeout 900
for n in $names; do
  t node inventory "$n"
  tq node inventory "$n" --json | jq -c '{bmc_address: .inventory.bmc_address, bmc_mac: .inventory.bmc_mac, disks: [.inventory.disks[] | {name, size, serial}]}'
done

say "provide: automated cleaning (erase_devices_metadata, then erase_devices_express: the NVMe drive's secure erase)"
each tq node provide --wait --timeout 900
for n in $names; do
  grep -h "\"erase finished\"" "$LAB/$n/serial.log" | sed 's/^[0-9.]* //' | jq -r --arg n "$n" '"\($n): \(.device) erased by \(.method) in \(.duration_s) s"' || true
done

say "deploy: the agent streams, decompresses, verifies and writes the image (live progress on the first server)"
first=$(echo "$names" | head -1)
for n in $names; do [ "$n" = "$first" ] || (tq node deploy "$n" --image "$IMAGE_NAME" --wait --timeout 1200 > "$WORK/$n.deploy" 2>&1; echo $? > "$WORK/$n.deploy.rc") & done
t node deploy "$first" --image "$IMAGE_NAME" --timeout 1200
wait
for n in $names; do [ "$n" = "$first" ] || { cat "$WORK/$n.deploy"; [ "$(cat "$WORK/$n.deploy.rc")" = 0 ]; }; done
t node list

say "boot from disk"
# The OS image prints the marker; a TEETH_DEMO_IMAGE that does too says so with TEETH_DEMO_EXPECT_MARKER=1.
if [ -n "${TEETH_DEMO_EXPECT_MARKER:-}" ] || [[ "$IMAGE" == */os-image/* ]]; then
  for n in $names; do
    printf '%s' "$n: waiting for the OS's marker on the serial console... "
    for _ in $(seq 600); do grep -aq TEETH-OS-BOOTED "$LAB/$n/serial.log" && break; sleep 1; done
    grep -a -m1 -o 'TEETH-OS-BOOTED.*' "$LAB/$n/serial.log" || { echo "not seen in 10 minutes"; exit 1; }
  done
else
  want=$(zstdcat -f "$IMAGE" | sha256sum | cut -d' ' -f1)
  size=$(zstdcat -f "$IMAGE" | wc -c)
  for n in $names; do
    t node power "$n" off > /dev/null
    got=$(head -c "$size" "$LAB/$n/disk.img" | sha256sum | cut -d' ' -f1)
    echo "$n: image sha256 $want, first $size bytes of its virtio disk $got: $([ "$want" = "$got" ] && echo match || echo MISMATCH)"
    [ "$want" = "$got" ]
    sgdisk -p "$LAB/$n/disk.img" | tail -1
  done
fi

say "where the time went (from the conductor's log, the BMC hooks' power log and the serial consoles)"
args=$(for n in $names; do echo "$(tq node show "$n" --json | jq -r .uuid)=$n"; done)
"$BUN" test/lab/phase-times.ts "$LAB" $args
rm -rf "$WORK"
say "demo done"
