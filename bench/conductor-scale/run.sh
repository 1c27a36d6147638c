#!/usr/bin/env bash
# Conductor scale benchmark: simulated agents (lookup + heartbeats) against one `dist/teeth
# conductor`. Prints the conductor's CPU for N nodes heartbeating every INTERVAL s, RSS per
# 1,000 nodes, and the sustained heartbeats/s at p99 < 50 ms.
# Env: NODES (10000), INTERVAL (30), PHASE1_S (20), TEETH (dist/teeth).
set -euo pipefail
cd "$(dirname "$0")/../.."
TEETH=${TEETH:-dist/teeth}
BUN=${BUN:-node_modules/.bin/bun}
NODES=${NODES:-10000}
INTERVAL=${INTERVAL:-30}
PHASE1_S=${PHASE1_S:-20}
[ -x "$TEETH" ] || { echo "build $TEETH first (make build)" >&2; exit 1; }
work=$(mktemp -d /tmp/teeth-bench-conductor.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/conductor.json" <<JSON
{ "log_level": "warn", "agent": { "fast_track": true }, "cleaning": { "automated_clean": false } }
JSON
"$TEETH" conductor --config "$work/conductor.json" --data-dir "$work/data" --listen "127.0.0.1:$port" > "$work/conductor.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
echo "conductor-scale: $("$TEETH" --version), $NODES nodes, heartbeat every ${INTERVAL}s, $(nproc) cores"
"$BUN" bench/conductor-scale/load.ts "http://127.0.0.1:$port" "$pid" "$NODES" "$INTERVAL" "$PHASE1_S"
errors=$(grep -c '"level":50' "$work/conductor.log" || true)
echo "conductor error log lines: $errors"
