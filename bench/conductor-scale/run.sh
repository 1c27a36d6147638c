#!/usr/bin/env bash
# Conductor scale benchmark: simulated agents (lookup + heartbeats) against one `dist/teeth
# conductor`. Prints the conductor's CPU for N nodes heartbeating every INTERVAL s, RSS per
# 1,000 nodes, and the sustained heartbeats/s at p99 < 50 ms.
# Baseline, same run: AFTER the conductor's run (the conductor is stopped first, so the two
# never share the cores), the same load.ts — enrollment, lookups, warm-up, phase 1, ramp —
# runs against baseline-server.ts, the transport ceiling (Bun.serve + in-memory Maps, the
# heartbeat parses its JSON and checks the token, nothing else). Its CPU is read from
# /proc/PID/stat the same way. Prints RESULT (conductor), BASELINE and RATIO lines:
# cpu_x = conductor CPU / baseline CPU at the phase-1 rate (how many times the transport's
# cost a heartbeat costs), hb_per_s_x = conductor sustained hb/s / baseline sustained hb/s,
# cpu_x_at_top = the same CPU ratio at the conductor's highest passing ramp step (top_hb_per_s).
# Env: NODES (10000), INTERVAL (30), PHASE1_S (20), TEETH (dist/teeth),
#      BASELINE_RAMP_MAX (40000: highest baseline ramp step; when every step passes the
#      baseline line says ramp_capped=1 and hb_per_s_x is an upper bound, printed "<=").
set -euo pipefail
cd "$(dirname "$0")/../.."
TEETH=${TEETH:-dist/teeth}
BUN=${BUN:-node_modules/.bin/bun}
NODES=${NODES:-10000}
INTERVAL=${INTERVAL:-30}
PHASE1_S=${PHASE1_S:-20}
BASELINE_RAMP_MAX=${BASELINE_RAMP_MAX:-40000}
[ -x "$TEETH" ] || { echo "build $TEETH first (make build)" >&2; exit 1; }
work=$(mktemp -d /tmp/teeth-bench-conductor.XXXXXX)
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(freeport)
cat > "$work/conductor.json" <<JSON
{ "log_level": "warn", "agent": { "fast_track": true }, "cleaning": { "automated_clean": false } }
JSON
"$TEETH" conductor --config "$work/conductor.json" --data-dir "$work/data" --listen "127.0.0.1:$port" > "$work/conductor.log" 2>&1 &
pid=$!
bpid=
trap 'kill $pid $bpid 2>/dev/null || true; wait $pid $bpid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
echo "conductor-scale: $("$TEETH" --version), $NODES nodes, heartbeat every ${INTERVAL}s, $(nproc) cores"
"$BUN" bench/conductor-scale/load.ts "http://127.0.0.1:$port" "$pid" "$NODES" "$INTERVAL" "$PHASE1_S" | tee "$work/conductor.out"
errors=$(grep -c '"level":50' "$work/conductor.log" || true)
echo "conductor error log lines: $errors"
kill $pid 2>/dev/null || true
wait $pid 2>/dev/null || true

# Baseline: the transport ceiling, same generator, same phases.
bport=$(freeport)
"$BUN" bench/conductor-scale/baseline-server.ts "127.0.0.1:$bport" > "$work/baseline.log" 2>&1 &
bpid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$bport/" >/dev/null && break; sleep 0.1; done
echo "baseline (bench/conductor-scale/baseline-server.ts: Bun.serve + in-memory Map, the transport ceiling), same load:"
SERVER=baseline RAMP_MAX=$BASELINE_RAMP_MAX "$BUN" bench/conductor-scale/load.ts "http://127.0.0.1:$bport" "$bpid" "$NODES" "$INTERVAL" "$PHASE1_S" |
  tee "$work/baseline.out" | sed 's/^/  /; s/^  BASELINE /BASELINE /'

field() { grep "^$1 " "$2" | tr ' ' '\n' | sed -n "s/^$3=//p"; }
c_cpu=$(field RESULT "$work/conductor.out" cpu_pct_one_core)
c_hb=$(field RESULT "$work/conductor.out" sustained_hb_per_s)
b_cpu=$(field BASELINE "$work/baseline.out" cpu_pct_one_core)
b_hb=$(field BASELINE "$work/baseline.out" sustained_hb_per_s)
b_capped=$(field BASELINE "$work/baseline.out" ramp_capped)
# CPU at the conductor's highest sustained ramp step too, when the baseline passed it (a
# second same-rate CPU comparison, at load instead of at the fleet rate).
top=$(grep -E '^  target .* ok$' "$work/conductor.out" | tail -1 | awk '{print $2}' || true)
step_cpu() { grep -E "^  target +$1 hb/s: .* ok\$" "$2" | sed -n "s/.* $3 CPU \([0-9]*\)%.*/\1/p"; }
c_top=$( [ -n "$top" ] && step_cpu "$top" "$work/conductor.out" conductor || true)
b_top=$( [ -n "$top" ] && step_cpu "$top" "$work/baseline.out" baseline || true)
awk -v cc="$c_cpu" -v ch="$c_hb" -v bc="$b_cpu" -v bh="$b_hb" -v capped="$b_capped" -v top="$top" -v ct="$c_top" -v bt="$b_top" \
  -v rate="$(awk -v n="$NODES" -v i="$INTERVAL" 'BEGIN{printf "%.0f", n/i}')" 'BEGIN {
  cx = bc > 0 ? sprintf("%.2f", cc / bc) : "inf"
  hx = bh > 0 ? sprintf("%s%.3f", capped == 1 ? "<=" : "", ch / bh) : "n/a"
  tx = (ct != "" && bt > 0) ? sprintf("%.2f", ct / bt) : "n/a"
  printf "conductor vs baseline: CPU at %s hb/s %.1f%% vs %.1f%% of one core (x%s); sustained %d vs %d%s hb/s (x%s)", rate, cc, bc, cx, ch, bh, capped == 1 ? "+" : "", hx
  if (tx != "n/a") printf "; CPU at %s hb/s %d%% vs %d%% (x%s)", top, ct, bt, tx
  printf "\n"
  printf "RATIO phase1_hb_per_s=%s cpu_x=%s hb_per_s_x=%s top_hb_per_s=%s cpu_x_at_top=%s\n", rate, cx, hx, top == "" ? "n/a" : top, tx
}'
