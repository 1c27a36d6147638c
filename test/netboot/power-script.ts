/**
 * @module test/netboot/power-script
 * The fake-hardware power script of the network-boot lab (the conductor runs it as
 * `script <uuid> power on|off|reboot` / `script <uuid> boot <dev>`, like ipmi_sim's chassis
 * control): power on starts the node's QEMU guest (SeaBIOS or OVMF, network boot only, a tap
 * on the lab bridge), power off stops it. The serial console goes to `<lab>/<uuid>.serial.log`,
 * each line prefixed with the time it arrived (`$EPOCHREALTIME`, no fork per line), so boot
 * phases can be timed. Guests are described by `<lab>/<uuid>.env` files (`writeGuest`).
 */
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Guest {
  uuid: string;
  mac: string;
  tap: string;
  firmware: "bios" | "uefi";
  memoryMiB: number;
}

export function writeGuest(labDir: string, g: Guest): void {
  writeFileSync(join(labDir, `${g.uuid}.env`), `MAC=${g.mac}\nTAP=${g.tap}\nFIRMWARE=${g.firmware}\nMEM=${g.memoryMiB}\n`);
}

/** Writes the script into `labDir` and returns its path. */
export function writePowerScript(labDir: string): string {
  const path = join(labDir, "power.sh");
  writeFileSync(
    path,
    `#!/bin/bash
# Network-boot lab power script (written by test/netboot/power-script.ts).
set -u
LAB=${labDir}
uuid=$1 kind=$2 arg=\${3:-}
echo "$EPOCHREALTIME $kind $arg" >> "$LAB/$uuid.power.log"
[ -f "$LAB/$uuid.env" ] || exit 0
. "$LAB/$uuid.env"
pidf=$LAB/$uuid.qemu.pid
off() {
  local pid; pid=$(cat "$pidf" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null
  rm -f "$pidf"
}
on() {
  [ -s "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null && return 0
  local fw=() rom=""
  if [ "$FIRMWARE" = uefi ]; then
    cp /usr/share/OVMF/OVMF_VARS.fd "$LAB/$uuid.vars.fd"
    fw=(-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd -drive "if=pflash,format=raw,file=$LAB/$uuid.vars.fd")
    # No NIC option ROM: OVMF's own PXE client does DHCP and fetches iPXE over TFTP.
    rom=",romfile="
  fi
  (
    qemu-system-x86_64 -cpu max -m "$MEM" -smp 2 -nographic -no-reboot -pidfile "$pidf" "\${fw[@]}" \\
      -netdev "tap,id=n0,ifname=$TAP,script=no,downscript=no" -device "virtio-net-pci,netdev=n0,mac=$MAC$rom" -boot n </dev/null 2>&1 |
      while IFS= read -r line; do printf '%s %s\\n' "$EPOCHREALTIME" "\${line//$'\\r'/}"; done >> "$LAB/$uuid.serial.log"
  ) </dev/null >/dev/null 2>&1 &
  for _ in $(seq 100); do [ -s "$pidf" ] && return 0; sleep 0.05; done
  echo "qemu did not start" >&2; return 1
}
case "$kind $arg" in
  "power on") on ;;
  "power off") off ;;
  "power reboot") off; on ;;
esac
`,
  );
  chmodSync(path, 0o755);
  return path;
}
