#!/bin/sh
# The chassis of a simulated server, as OpenIPMI's ipmi_sim calls it (`chassis_control` in
# lan.conf): `ipmi-sim-chassis.sh STATE_DIR get power|boot ...` prints `power:0|1` / `boot:DEV`;
# `ipmi-sim-chassis.sh STATE_DIR set power 1|0 | boot DEV | reset 1 | shutdown 1 ...` changes it.
#
# State lives in STATE_DIR: `power` (0|1), `boot` (none|pxe|default|cdrom|bios) and
# `chassis.log` (one line per call: time, operation, arguments), which tests read as "the BMC's
# chassis log". A lab plugs a real machine in through executable hooks in STATE_DIR/hooks:
# `power-on`, `power-off`, `reset`, `boot DEV` (e.g. start, stop or reset a QEMU guest, choose
# `-boot n` or `-boot c`); the state files are updated after a hook succeeds. A `power-state`
# hook, when present, answers `get power` instead of the state file (printing 1 or 0): a
# machine that can power itself off (a guest's OS shutting down) is read, not remembered.
# `shutdown 1` is the ACPI soft-off request: like an OS, the machine powers off after
# STATE_DIR/soft-off-delay seconds (default 0.3), unless STATE_DIR/soft-off-ignored exists
# (an OS that ignores the button).
set -u
dir=$1
shift
op=${1:-}
[ $# -gt 0 ] && shift
log() { echo "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ) $*" >> "$dir/chassis.log"; }
hook() {
  name=$1
  shift
  if [ -x "$dir/hooks/$name" ]; then
    "$dir/hooks/$name" "$@" >> "$dir/hooks.log" 2>&1 || { echo "hook $name failed"; exit 1; }
  fi
}
set_power() {
  if [ "$1" = 1 ]; then hook power-on; else hook power-off; fi
  echo "$1" > "$dir/power"
}

log "$op $*"
case $op in
  get)
    for parm in "$@"; do
      case $parm in
        power)
          if [ -x "$dir/hooks/power-state" ]; then
            state=$("$dir/hooks/power-state" 2>> "$dir/hooks.log") || { echo "hook power-state failed"; exit 1; }
            echo "$state" > "$dir/power"
            echo "power:$state"
          else
            echo "power:$(cat "$dir/power" 2>/dev/null || echo 0)"
          fi
          ;;
        boot) echo "boot:$(cat "$dir/boot" 2>/dev/null || echo default)" ;;
        *) echo "Invalid parameter: $parm"; exit 1 ;;
      esac
    done
    ;;
  set)
    while [ $# -ge 2 ]; do
      parm=$1 val=$2
      shift 2
      case $parm in
        power) set_power "$val" ;;
        reset) hook reset ;;
        boot)
          case $val in
            none | pxe | default | cdrom | bios) hook boot "$val"; echo "$val" > "$dir/boot" ;;
            *) echo "Invalid boot value: $val"; exit 1 ;;
          esac
          ;;
        shutdown)
          if [ ! -e "$dir/soft-off-ignored" ]; then
            delay=$(cat "$dir/soft-off-delay" 2>/dev/null || echo 0.3)
            # In the background, detached from ipmi_sim's pipes: the BMC answers at once, the OS
            # powers off a moment later.
            (sleep "$delay"; log "os powered off after soft-off request"; set_power 0) < /dev/null > /dev/null 2>&1 &
          fi
          ;;
        identify) shift ;;
        *) echo "Invalid parameter: $parm"; exit 1 ;;
      esac
    done
    ;;
  *) echo "Unknown operation: $op"; exit 1 ;;
esac
exit 0
