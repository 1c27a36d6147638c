#!/usr/bin/env bash
# Runs every test (unit tests beside the code, integration and end-to-end tests in test/)
# with Bun's runner, then prints the plain summary line CI reads: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
BUN=node_modules/.bin/bun
log=$(mktemp)
# Files run one after another (Bun's default); each integration test sets its own timeout.
"$BUN" test --timeout 120000 "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
pass=$(grep -Eo '^ *[0-9]+ pass$' "$log" | tail -1 | grep -Eo '[0-9]+')
fail=$(grep -Eo '^ *[0-9]+ fail$' "$log" | tail -1 | grep -Eo '[0-9]+')
skip=$(grep -Eo '^ *[0-9]+ skip$' "$log" | tail -1 | grep -Eo '[0-9]+')
rm -f "$log"
echo
if [ -n "${skip:-}" ]; then
  echo "tests: ${pass:-0} passed, ${fail:-0} failed, ${skip} skipped"
else
  echo "tests: ${pass:-0} passed, ${fail:-0} failed"
fi
# Bun exits non-zero when a test fails or no test ran.
if [ "$rc" -ne 0 ] || [ "${pass:-0}" -eq 0 ]; then exit 1; fi
exit 0
