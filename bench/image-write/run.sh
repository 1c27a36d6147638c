#!/usr/bin/env bash
# Image-write benchmark: the compiled agent (dist/teeth, `make build`) against the shell
# pipelines with the same guarantees, images served by nginx on loopback, a loop device over
# a file as the disk. One agent runs for the whole bench; each repetition POSTs
# standby.prepare_image and is timed from the POST to the command's end (the engine syncs
# before it succeeds). Peak RSS is the agent's own: its VmHWM, reset before each case.
# Each case runs BENCH_REPS times; the table shows medians.
#
#   bash bench/image-write/run.sh                      # 2 GiB images, 3 repetitions
#   BENCH_SIZE_MB=256 BENCH_REPS=2 bash bench/image-write/run.sh   # quick
#   BENCH_CASES="1 4" bash bench/image-write/run.sh    # some cases only
#
# Needs (Debian): nginx qemu-utils curl jq openssl zstd gzip util-linux coreutils time.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUN=${BUN:-$ROOT/node_modules/.bin/bun}
TEETH=${TEETH:-$ROOT/dist/teeth}
SIZE_MB=${BENCH_SIZE_MB:-2048}
REPS=${BENCH_REPS:-3}
CASES=${BENCH_CASES:-1 2 3 4 5}
WORK=${BENCH_DIR:-$ROOT/.bench/image-write}
PORT=${BENCH_PORT:-18480}
PROXY_PORT=$((PORT + 1))
CLEAN_PROXY_PORT=$((PORT + 2))
AGENT_PORT=$((PORT + 3))
DROP_EVERY=$(( ${BENCH_DROP_EVERY_MB:-256} * 1048576 ))
TMPFS=${BENCH_TMPFS:-/dev/shm}
IMAGES=$WORK/images/$SIZE_MB
BYTES=$((SIZE_MB * 1048576))

for tool in nginx qemu-img curl jq openssl zstd gzip losetup dd /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install nginx qemu-utils curl jq openssl zstd gzip util-linux time" >&2; exit 1; }
done
[ -x "$BUN" ] || { echo "missing $BUN: run 'make npm-deps'" >&2; exit 1; }
[ -x "$TEETH" ] || { echo "missing $TEETH: run 'make build'" >&2; exit 1; }
mkdir -p "$IMAGES" "$WORK/nginx/tmp" "$WORK/runs"

LOOP=""
NGINX_PID=""
PROXY_PID=""
CLEAN_PROXY_PID=""
AGENT_PID=""
cleanup() {
  [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null || true
  [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null || true
  [ -n "$CLEAN_PROXY_PID" ] && kill "$CLEAN_PROXY_PID" 2>/dev/null || true
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  [ -n "$LOOP" ] && losetup -d "$LOOP" 2>/dev/null || true
  rm -f "$WORK/disk.img" "$TMPFS/teeth-bench.qcow2"
}
trap cleanup EXIT

log() { echo "[bench] $*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ---- images (cached per size) ---------------------------------------------------------
if [ ! -s "$IMAGES/random.raw" ]; then
  log "making $SIZE_MB MiB random image"
  head -c "$BYTES" /dev/zero | openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f \
    -iv 00000000000000000000000000000000 > "$IMAGES/random.raw.tmp"
  mv "$IMAGES/random.raw.tmp" "$IMAGES/random.raw"
fi
[ -s "$IMAGES/zeros60.raw" ] || { log "making 60%-zeros image"; "$BUN" "$ROOT/bench/image-write/make-images.ts" "$IMAGES/random.raw" "$IMAGES/zeros60.raw"; }
[ -s "$IMAGES/zeros60.raw.zst" ] || { log "zstd"; zstd -q -T0 -3 -f -o "$IMAGES/zeros60.raw.zst" "$IMAGES/zeros60.raw"; }
[ -s "$IMAGES/zeros60.raw.gz" ] || { log "gzip"; gzip -1 -c "$IMAGES/zeros60.raw" > "$IMAGES/zeros60.raw.gz.tmp" && mv "$IMAGES/zeros60.raw.gz.tmp" "$IMAGES/zeros60.raw.gz"; }
[ -s "$IMAGES/zeros60.qcow2" ] || { log "qcow2"; qemu-img convert -f raw -O qcow2 "$IMAGES/zeros60.raw" "$IMAGES/zeros60.qcow2"; }
for f in random.raw zeros60.raw.zst zeros60.raw.gz zeros60.qcow2; do
  [ -s "$IMAGES/$f.sha256" ] || openssl dgst -sha256 -r "$IMAGES/$f" | cut -d' ' -f1 > "$IMAGES/$f.sha256"
done
[ -s "$IMAGES/zeros60.raw.sha256" ] || openssl dgst -sha256 -r "$IMAGES/zeros60.raw" | cut -d' ' -f1 > "$IMAGES/zeros60.raw.sha256"
sum_of() { cat "$IMAGES/$1.sha256"; }

# ---- nginx on loopback, its own prefix --------------------------------------------------
cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  default_type application/octet-stream;
  client_body_temp_path $WORK/nginx/tmp/body;
  proxy_temp_path $WORK/nginx/tmp/proxy;
  fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
  uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
  scgi_temp_path $WORK/nginx/tmp/scgi;
  server { listen 127.0.0.1:$PORT; root $IMAGES; }
}
CONF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
NGINX_PID=$!
URL=http://127.0.0.1:$PORT
for _ in $(seq 50); do curl -sf -r 0-0 -o /dev/null "$URL/random.raw" && break; sleep 0.1; done
curl -sf -r 0-0 -o /dev/null "$URL/random.raw" || { log "nginx did not start"; cat "$WORK/nginx/error.log" >&2; exit 1; }

# ---- the disk: a loop device over a preallocated file, warmed once ----------------------
# At least 4 GiB: with no root device hints the agent installs to the smallest disk of at
# least 4 GiB, and --teeth-only-disks makes this loop device its only disk.
DISK_BYTES=$((BYTES + 128 * 1048576))
[ "$DISK_BYTES" -ge $((4096 * 1048576)) ] || DISK_BYTES=$((4096 * 1048576 + 64 * 1048576))
truncate -s 0 "$WORK/disk.img" 2>/dev/null || true
fallocate -l "$DISK_BYTES" "$WORK/disk.img"
# BENCH_LOOP_DIRECT_IO=1: the loop device writes through to the backing disk instead of the
# page cache, so one run's writeback does not slow the next (steadier, slower figures).
LOOP=$(losetup -f --show ${BENCH_LOOP_DIRECT_IO:+--direct-io=on} "$WORK/disk.img")
log "disk $LOOP; warming up the part the images cover"
dd if=/dev/zero of="$LOOP" bs=4M count=$(((BYTES + 128 * 1048576) / 4194304)) oflag=direct status=none || true
sync

# ---- the agent: the compiled binary, standalone, confined to the loop device ------------
TOKEN=bench-image-write-token-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
AGENT=http://127.0.0.1:$AGENT_PORT
rss_kib() { awk '/VmRSS/ { print $2 }' "/proc/$AGENT_PID/status" 2>/dev/null; }
"$TEETH" agent --teeth-cmdline-file=/dev/null --ipa-listen-host=127.0.0.1 --ipa-listen-port="$AGENT_PORT" \
  --teeth-auto-tls=0 --ipa-agent-token="$TOKEN" --teeth-allow-loop-devices=1 --teeth-only-disks="$LOOP" \
  --teeth-simulate-power=1 >"$WORK/runs/agent.log" 2>&1 &
AGENT_PID=$!
for _ in $(seq 100); do curl -sf -o /dev/null "$AGENT/v1/status" && break; sleep 0.1; done
curl -sf -o /dev/null "$AGENT/v1/status" || { log "agent did not start"; cat "$WORK/runs/agent.log" >&2; exit 1; }
log "agent pid $AGENT_PID on $AGENT, idle RSS $(rss_kib) kB"

# ---- runners: each prints "<seconds> <peak_rss_bytes or ->" -----------------------------
teeth() { # url sha256 format: one standby.prepare_image through the agent's command API
  local url=$1 sum=$2 format=$3 seconds status hwm before
  jq -nc --arg url "$url" --arg sum "$sum" --arg format "$format" \
    '{name: "standby.prepare_image", params: {image_info: {id: "bench", urls: [$url], disk_format: $format, os_hash_algo: "sha256", os_hash_value: $sum}}}' \
    > "$WORK/runs/request.json"
  before=$(rss_kib)
  [ -n "$before" ] || { log "agent is gone: $(tail -5 "$WORK/runs/agent.log")"; exit 1; }
  # The peak is the case's own: reset the kernel's high-water mark to the current RSS.
  echo 5 > "/proc/$AGENT_PID/clear_refs"
  # wait=true answers when the command has ended; curl's time_total spans POST to answer.
  seconds=$(curl -sS --max-time 250 -o "$WORK/runs/last-teeth.json" -w '%{time_total}' \
    -H 'content-type: application/json' --data-binary @"$WORK/runs/request.json" \
    "$AGENT/v1/commands/?agent_token=$TOKEN&wait=true")
  hwm=$(awk '/VmHWM/ { print $2 * 1024 }' "/proc/$AGENT_PID/status")
  status=$(jq -r .command_status "$WORK/runs/last-teeth.json")
  [ "$status" = SUCCEEDED ] || { log "teeth failed: $(cat "$WORK/runs/last-teeth.json")"; exit 1; }
  log "$(basename "$url"): $seconds s, agent RSS before $before kB, peak $((hwm / 1024)) kB, after $(rss_kib) kB"
  printf "%.3f %s\n" "$seconds" "$hwm"
}
baseline_hash_dd() { # url sha256
  local t0 t1 got
  rm -f "$WORK/runs/sum"
  t0=$(now)
  curl -sS --fail "$1" | tee >(openssl dgst -sha256 -r > "$WORK/runs/sum") |
    dd of="$LOOP" bs=1M oflag=direct iflag=fullblock conv=fsync status=none
  while [ ! -s "$WORK/runs/sum" ]; do sleep 0.005; done
  t1=$(now)
  got=$(cut -d' ' -f1 "$WORK/runs/sum")
  [ "$got" = "$2" ] || { log "baseline checksum mismatch"; exit 1; }
  echo "$(elapsed "$t0" "$t1") -"
}
baseline_decompress_dd() { # url tool
  local t0 t1
  t0=$(now)
  curl -sS --fail "$1" | "$2" -d -c | dd of="$LOOP" bs=1M oflag=direct iflag=fullblock conv=fsync status=none
  t1=$(now)
  echo "$(elapsed "$t0" "$t1") -"
}
baseline_ipa_qcow2() { # url sha256 [extra qemu-img convert options]
  local url=$1 sum=$2 t0 t1 f=$TMPFS/teeth-bench.qcow2 rss
  shift 2
  rm -f "$WORK/runs/sum" "$f"
  t0=$(now)
  curl -sS --fail "$url" | tee >(openssl dgst -sha256 -r > "$WORK/runs/sum") > "$f"
  while [ ! -s "$WORK/runs/sum" ]; do sleep 0.005; done
  [ "$(cut -d' ' -f1 "$WORK/runs/sum")" = "$sum" ] || { log "baseline checksum mismatch"; exit 1; }
  rss=$( { /usr/bin/time -f '%M' qemu-img convert -f qcow2 -O host_device -t directsync "$@" -W "$f" "$LOOP"; } 2>&1 | tail -1)
  t1=$(now)
  # What IPA's method holds in RAM: the image in tmpfs plus qemu-img itself.
  echo "$(elapsed "$t0" "$t1") $(( $(stat -c %s "$f") + rss * 1024 ))"
  rm -f "$f"
}
verify() { # plain image file
  local size
  size=$(stat -c %s "$IMAGES/$1")
  if cmp -s -n "$size" "$LOOP" "$IMAGES/$1"; then echo yes; else echo NO; fi
}

declare -A TIMES RSS VERIFIED
record() { # key "seconds rss"
  local s r
  # A runner that failed printed nothing (its exit only left the command substitution).
  [ -n "$2" ] || { log "$1 failed; stopping"; exit 1; }
  read -r s r <<<"$2"
  TIMES[$1]="${TIMES[$1]:-} $s"
  if [ "$r" != "-" ]; then
    if [ -z "${RSS[$1]:-}" ] || [ "$r" -gt "${RSS[$1]}" ]; then RSS[$1]=$r; fi
  fi
}

# curl into a file on tmpfs, resuming with -C - until it has everything: "seconds -".
curl_resume_loop() {
  local out="$TMPFS/teeth-bench-curl.part" t0 t1 n=0
  rm -f "$out"
  t0=$(now)
  until curl -sf -C - -o "$out" "$1"; do n=$((n + 1)); [ "$n" -gt 100 ] && break; done
  t1=$(now)
  rm -f "$out"
  echo "$(elapsed "$t0" "$t1") -"
}

if [[ " $CASES " == *" 5 "* ]]; then
  "$BUN" "$ROOT/bench/image-write/drop-proxy.ts" --listen "$PROXY_PORT" --upstream "$PORT" --every "$DROP_EVERY" 2>"$WORK/runs/proxy.log" &
  PROXY_PID=$!
  # The clean run goes through the same (JS) proxy, never cut: the proxy's own cost is not
  # the resume's.
  "$BUN" "$ROOT/bench/image-write/drop-proxy.ts" --listen "$CLEAN_PROXY_PORT" --upstream "$PORT" --every $((1 << 50)) 2>/dev/null &
  CLEAN_PROXY_PID=$!
  sleep 0.5
fi

for rep in $(seq "$REPS"); do
  log "repetition $rep/$REPS"
  for c in $CASES; do
    case $c in
      1)
        record c1.teeth "$(teeth "$URL/random.raw" "$(sum_of random.raw)" raw)"
        [ "$rep" = "$REPS" ] && VERIFIED[c1.teeth]=$(verify random.raw)
        record c1.base "$(baseline_hash_dd "$URL/random.raw" "$(sum_of random.raw)")" ;;
      2)
        record c2.teeth "$(teeth "$URL/zeros60.raw" "$(sum_of zeros60.raw)" raw)"
        [ "$rep" = "$REPS" ] && VERIFIED[c2.teeth]=$(verify zeros60.raw)
        record c2.base "$(baseline_hash_dd "$URL/zeros60.raw" "$(sum_of zeros60.raw)")" ;;
      3)
        record c3z.teeth "$(teeth "$URL/zeros60.raw.zst" "$(sum_of zeros60.raw.zst)" raw)"
        [ "$rep" = "$REPS" ] && VERIFIED[c3z.teeth]=$(verify zeros60.raw)
        record c3z.base "$(baseline_decompress_dd "$URL/zeros60.raw.zst" zstd)"
        record c3g.teeth "$(teeth "$URL/zeros60.raw.gz" "$(sum_of zeros60.raw.gz)" raw)"
        [ "$rep" = "$REPS" ] && VERIFIED[c3g.teeth]=$(verify zeros60.raw)
        record c3g.base "$(baseline_decompress_dd "$URL/zeros60.raw.gz" gzip)" ;;
      4)
        record c4.teeth "$(teeth "$URL/zeros60.qcow2" "$(sum_of zeros60.qcow2)" qcow2)"
        [ "$rep" = "$REPS" ] && VERIFIED[c4.teeth]=$(verify zeros60.raw)
        record c4.base "$(baseline_ipa_qcow2 "$URL/zeros60.qcow2" "$(sum_of zeros60.qcow2)")"
        # Reference: IPA as shipped adds -S 0 (no sparse detection: zeros are written out).
        record c4ref.ipa "$(baseline_ipa_qcow2 "$URL/zeros60.qcow2" "$(sum_of zeros60.qcow2)" -S 0)" ;;
      5)
        record c5.teeth "$(teeth "http://127.0.0.1:$PROXY_PORT/random.raw" "$(sum_of random.raw)" raw)"
        resumes=$(jq -r .command_result.resumes "$WORK/runs/last-teeth.json")
        [ "$rep" = "$REPS" ] && VERIFIED[c5.teeth]="$(verify random.raw) ($resumes resumes)"
        record c5.base "$(teeth "http://127.0.0.1:$CLEAN_PROXY_PORT/random.raw" "$(sum_of random.raw)" raw)"
        # Reference: what the cuts cost curl itself (resume loop with -C -, no disk), to tell
        # the proxy's reconnection cost from Teeth's.
        record c5ref.cut "$(curl_resume_loop "http://127.0.0.1:$PROXY_PORT/random.raw")"
        record c5ref.clean "$(curl_resume_loop "http://127.0.0.1:$CLEAN_PROXY_PORT/random.raw")" ;;
    esac
  done
done

# ---- table -----------------------------------------------------------------------------
mb() { awk -v b="$BYTES" -v s="$1" 'BEGIN { printf "%.0f", b / 1048576 / s }'; }
mib() { [ -n "$1" ] && awk -v r="$1" 'BEGIN { printf "%.0f MiB", r / 1048576 }' || echo "-"; }
row() { # label key goal baseline-label
  local key=$1 label=$2 base_label=$3 goal=$4 t b ratio ok
  t=$(median <<<"${TIMES[$key.teeth]}")
  b=$(median <<<"${TIMES[$key.base]}")
  ratio=$(awk -v t="$t" -v b="$b" 'BEGIN { printf "%.2f", t / b }')
  ok=$(awk -v r="$ratio" -v g="$goal" 'BEGIN { print (r <= g) ? "met" : "MISSED" }')
  printf "| %s | %s | %s | %s | %s | %s | %s | <= %s %s | %s | %s |\n" "$label" "$t" "$(mb "$t")" "$base_label" "$b" "$(mb "$b")" \
    "$ratio" "$goal" "$ok" "$(mib "${RSS[$key.teeth]:-}")" "${VERIFIED[$key.teeth]:-}"
}
{
  echo
  echo "Image write benchmark: ${SIZE_MB} MiB images, $REPS repetitions, medians; MB/s = image MiB / s; $(nproc) cores"
  echo
  echo "| case | Teeth s | Teeth MB/s | baseline | baseline s | baseline MB/s | ratio | goal | agent peak RSS | byte-identical |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for c in $CASES; do
    case $c in
      1) row c1 "1 raw random" "curl\|tee openssl\|dd direct" 1.05 ;;
      2) row c2 "2 raw 60% zeros" "curl\|tee openssl\|dd direct" 0.6 ;;
      3) row c3z "3 zstd raw" "curl\|zstd -d\|dd" 1.1
         row c3g "3 gzip raw" "curl\|gzip -d\|dd" 1.1 ;;
      4) row c4 "4 qcow2" "IPA: tmpfs + qemu-img convert (RAM $(mib "${RSS[c4.base]:-}"))" 0.6 ;;
      5) row c5 "5 raw, cut every $((DROP_EVERY / 1048576)) MiB" "Teeth clean run, same proxy" 1.3 ;;
    esac
  done
  if [[ " $CASES " == *" 4 "* ]]; then
    ipa=$(median <<<"${TIMES[c4ref.ipa]}"); t4=$(median <<<"${TIMES[c4.teeth]}")
    echo
    echo "Case 4 reference, IPA as shipped: its qemu-img command also passes -S 0 (zeros written out, not skipped):" \
      "$ipa s, Teeth's ratio to it $(awk -v a="$t4" -v b="$ipa" 'BEGIN { printf "%.2f", a / b }')."
  fi
  if [[ " $CASES " == *" 5 "* ]]; then
    cut=$(median <<<"${TIMES[c5ref.cut]}"); clean=$(median <<<"${TIMES[c5ref.clean]}")
    echo
    echo "Case 5 reference, the proxy's own cost: curl with a -C - resume loop takes $cut s through the cutting proxy" \
      "vs $clean s through the clean one (ratio $(awk -v a="$cut" -v b="$clean" 'BEGIN { printf "%.2f", a / b }'))."
  fi
} | tee "$WORK/results.md"
