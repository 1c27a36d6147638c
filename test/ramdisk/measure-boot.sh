#!/usr/bin/env bash
# Boots a RAM disk under QEMU (TCG) and prints the wall-clock seconds until /init runs and
# until the agent starts, read from the serial console. Used to choose the initramfs
# compression (zstd vs xz); no disks, no conductor.
#   bash test/ramdisk/measure-boot.sh [INITRAMFS [KERNEL]]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
INITRD=${1:-$ROOT/build/ramdisk/initramfs.img}
KERNEL=${2:-$ROOT/build/ramdisk/vmlinuz}
log=$(mktemp)
start=$(date +%s.%N)
qemu-system-x86_64 -cpu max -m 1024 -smp 2 -nographic -no-reboot -kernel "$KERNEL" -initrd "$INITRD" \
  -append "console=ttyS0 panic=-1 ipa-api-url=http://10.0.2.2:1 teeth-auto-tls=0" \
  -netdev user,id=n0 -device virtio-net-pci,netdev=n0 >"$log" 2>&1 &
qemu=$!
trap 'kill $qemu 2>/dev/null; rm -f "$log"' EXIT
at() { awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN { printf "%.1f", n - s }'; }
init= agent=
for _ in $(seq 1 1200); do
  [ -z "$init" ] && grep -q 'init started' "$log" && init=$(at)
  if grep -q '"teeth agent starting"' "$log"; then agent=$(at); break; fi
  sleep 0.1
done
echo "$(basename "$INITRD") $(du -m "$INITRD" | cut -f1) MiB: /init at ${init:-?} s, agent started at ${agent:-?} s (wall clock, TCG)"
