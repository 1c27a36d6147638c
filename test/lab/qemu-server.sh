#!/bin/bash
# One server of the virtual rack: a QEMU guest (software emulation, -cpu max) started, stopped
# and reset by its BMC, ipmi_sim, whose chassis hooks call this script:
#   qemu-server.sh SERVER_DIR start | stop | reset | boot DEV | status
# SERVER_DIR/server.env describes the server (written by test/lab/servers.ts): NAME, MAC, TAP,
# FIRMWARE (bios|uefi), MEM (MiB), DISK (virtio, file), NVME (file) and NVME_SERIAL,
# IPMI_SERIAL_PORT (the BMC's system interface: in-band IPMI through an emulated KCS).
# `boot DEV` is what the BMC was told (ipmi_sim: none|pxe|default|cdrom|bios); it is kept in
# SERVER_DIR/bootdev and read at the next start or reset: pxe puts the NIC first in the boot
# order, anything else the virtio disk. (bootindex, not -boot n/c: OVMF honours only bootindex.)
# The serial console goes to SERVER_DIR/serial.log, each line prefixed with the time it arrived
# ($EPOCHREALTIME), so phases can be timed; every call is logged in SERVER_DIR/power.log.
set -u
dir=$1 op=$2 arg=${3:-}
# shellcheck source=/dev/null
. "$dir/server.env"
pidf=$dir/qemu.pid
[ "$op" = status ] || echo "$EPOCHREALTIME $op $arg" >> "$dir/power.log"

running() { [ -s "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; }

stop() {
  local pid
  pid=$(cat "$pidf" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -9 "$pid" 2>/dev/null
  rm -f "$pidf"
}

start() {
  running && return 0
  local fw=() rom="" nic_idx=2 disk_idx=1
  [ "$(cat "$dir/bootdev" 2>/dev/null)" = pxe ] && nic_idx=1 disk_idx=2
  if [ "$FIRMWARE" = uefi ]; then
    [ -f "$dir/OVMF_VARS.fd" ] || cp /usr/share/OVMF/OVMF_VARS.fd "$dir/OVMF_VARS.fd"
    fw=(-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd -drive "if=pflash,format=raw,file=$dir/OVMF_VARS.fd")
    # No NIC option ROM: OVMF's own PXE client does DHCP and fetches iPXE over TFTP.
    rom=",romfile="
  fi
  (
    qemu-system-x86_64 -name "$NAME" -machine pc -cpu max -smp 2 -m "$MEM" -nographic -pidfile "$pidf" "${fw[@]}" \
      -drive "if=none,id=disk0,file=$DISK,format=raw,cache=unsafe,discard=unmap" -device "virtio-blk-pci,drive=disk0,bootindex=$disk_idx" \
      -drive "if=none,id=nvm0,file=$NVME,format=raw,cache=unsafe" -device "nvme,serial=$NVME_SERIAL,drive=nvm0" \
      -netdev "tap,id=n0,ifname=$TAP,script=no,downscript=no" -device "virtio-net-pci,netdev=n0,mac=$MAC,bootindex=$nic_idx$rom" \
      -chardev "socket,id=ipmi0,host=127.0.0.1,port=$IPMI_SERIAL_PORT,reconnect=10" \
      -device ipmi-bmc-extern,id=bmc0,chardev=ipmi0 -device isa-ipmi-kcs,bmc=bmc0 \
      </dev/null 2>&1 |
      while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "${line//$'\r'/}"; done >> "$dir/serial.log"
  ) </dev/null >/dev/null 2>&1 &
  for _ in $(seq 200); do [ -s "$pidf" ] && return 0; sleep 0.05; done
  echo "qemu did not start (see $dir/serial.log)" >&2
  return 1
}

case "$op" in
  start) start ;;
  stop) stop ;;
  reset) stop; start ;;
  boot) echo "$arg" > "$dir/bootdev" ;;
  status) running && echo 1 || echo 0 ;;
  *) echo "usage: $0 SERVER_DIR start|stop|reset|boot DEV|status" >&2; exit 2 ;;
esac
