#!/usr/bin/env bash
# `make demo-host`: the main job on one machine, without QEMU. The conductor enrolls a "server" whose fake BMC
# boots the real agent (confined to a loop-device disk), inspects it, cleans it, deploys a
# zstd-compressed disk image with a live progress bar, checks the bytes on disk, undeploys.
set -euo pipefail
cd "$(dirname "$0")/.."
TEETH=$PWD/dist/teeth
W=$(mktemp -d /tmp/teeth-demo.XXXXXX)
PORT=${TEETH_DEMO_PORT:-6385}
URL=http://127.0.0.1:$PORT
AGENT_PORT=$((PORT + 3614))   # 9999 when the conductor is on 6385
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

cleanup() {
  [ -f "$W/agent.pid" ] && kill "$(cat "$W/agent.pid")" 2>/dev/null || true
  [ -n "${CONDUCTOR_PID:-}" ] && kill "$CONDUCTOR_PID" 2>/dev/null || true
  [ -n "${LOOP:-}" ] && losetup -d "$LOOP" 2>/dev/null || true
  echo "logs kept in $W (conductor.log, agent.log)"
}
trap cleanup EXIT

say "a 6 GiB disk for the server: a loop device"
truncate -s 6G "$W/disk.img"
LOOP=$(losetup -f --show "$W/disk.img")
echo "$LOOP"

say "a disk image: GPT, one Linux partition, 1 GiB of which 60% zeros, zstd-compressed"
mkdir -p "$W/data/images"
truncate -s 1G "$W/os.raw"
sgdisk -n 1:2048:0 -t 1:8300 -c 1:teeth-demo-root "$W/os.raw" > /dev/null
head -c 400M /dev/urandom | dd of="$W/os.raw" bs=1M seek=8 conv=notrunc status=none
zstd -q -T0 -3 "$W/os.raw" -o "$W/data/images/demo-os.raw.zst"
ls -l "$W/os.raw" "$W/data/images/demo-os.raw.zst" | awk '{print $5, $9}'

say "the conductor (fake-hardware: its power script plays the BMC and PXE-boots the agent)"
cat > "$W/power.sh" <<SCRIPT
#!/bin/bash
st=$W; shift
kill_agent() { [ -f \$st/agent.pid ] && kill \$(cat \$st/agent.pid) 2>/dev/null; rm -f \$st/agent.pid; sleep 0.2; }
case "\$1 \$2" in
  "boot pxe"|"boot disk") echo \$2 > \$st/bootdev ;;
  "power off") kill_agent ;;
  "power on"|"power reboot")
    kill_agent
    if [ "\$(cat \$st/bootdev 2>/dev/null)" = pxe ]; then
      setsid $TEETH agent --ipa-api-url=$URL --teeth-cmdline-file=/dev/null \
        --teeth-allow-loop-devices=1 --teeth-only-disks=$LOOP --teeth-simulate-power=1 --teeth-tls-dir=\$st/tls \
        --ipa-listen-host=127.0.0.1 --ipa-listen-port=$AGENT_PORT --ipa-advertise-host=127.0.0.1 \
        >> \$st/agent.log 2>&1 < /dev/null &
      echo \$! > \$st/agent.pid
    fi ;;
esac
SCRIPT
chmod +x "$W/power.sh"
cat > "$W/conductor.json" <<JSON
{ "agent": { "poll_interval_s": 0.5, "heartbeat_timeout_s": 20 },
  "cleaning": { "erase_devices_priority": 0 },
  "fake_hardware": { "power_script": "$W/power.sh" } }
JSON
"$TEETH" conductor --config "$W/conductor.json" --data-dir "$W/data" --listen "127.0.0.1:$PORT" > "$W/conductor.log" 2>&1 &
CONDUCTOR_PID=$!
for _ in $(seq 100); do curl -fs "$URL/" > /dev/null && break; sleep 0.1; done
curl -fs "$URL/" | head -c 300; echo

t() { echo "\$ teeth $*"; "$TEETH" "$@" --url "$URL"; }

say "enroll the server and its NICs"
t node create --name demo-01 --driver fake-hardware --property "root_device={\"name\":\"$LOOP\"}" \
  | grep -E '^(name|uuid|driver|provision_state) '
for mac in $(cat /sys/class/net/*/address | grep -v '^00:00:00:00:00:00$' | sort -u); do
  t port create "$mac" --node demo-01 | grep -E '^address '
done

say "manage, inspect (the agent boots, reports its hardware), provide (metadata cleaning)"
t node manage demo-01 --wait
t node inspect demo-01 --wait --timeout 180
t node show demo-01 | grep -E '^properties '
t node inventory demo-01
t node provide demo-01 --wait --timeout 300

say "deploy: the agent streams, decompresses, verifies and writes the image"
t node deploy demo-01 --image demo-os.raw.zst --timeout 600
t node list

say "check: the disk holds exactly the image"
want=$(sha256sum < "$W/os.raw" | cut -d' ' -f1)
got=$(head -c "$(stat -c %s "$W/os.raw")" "$LOOP" | sha256sum | cut -d' ' -f1)
echo "image sha256 $want"
echo "disk  sha256 $got"
[ "$want" = "$got" ] && echo "bytes on $LOOP match the image" || { echo "MISMATCH"; exit 1; }
sgdisk -p "$LOOP" | tail -3

say "undeploy (cleaning again), then the node is available for the next tenant"
t node undeploy demo-01 --wait --timeout 300
t node list
say "demo done"
