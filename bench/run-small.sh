#!/usr/bin/env bash
# Runs each Web Connector-like benchmark once at a small size (CI: under 60 s in all). Fails if
# a benchmark fails (a wrong answer, a failed session); the figures are printed, never judged.
#   bench/run-small.sh BUILD_DIR
set -euo pipefail
build="${1:?usage: bench/run-small.sh BUILD_DIR}"
bench="$build/bench"
for exe in small_call_driver sync_driver multi_driver; do
  [[ -x "$bench/$exe" ]] || { echo "missing $bench/$exe: build with -DQBLINK_BUILD_BENCH=ON" >&2; exit 1; }
done
echo "== small calls: 8 keep-alive connections x 250 calls"
timeout 60 "$bench/small_call_driver" 8 250 1
echo "== no-change runs: 200 linked customers, then 2 no-change sessions"
timeout 60 "$bench/sync_driver" 200 200 0 --all-linked --no-change-runs 2
echo "== first sync: 2,000 QuickBooks customers, 1,500 existing + 500 new accounts"
timeout 60 "$bench/sync_driver" 2000 1500 500 --no-change-runs 0
echo "== several instances on one SQLite file: first sync of 2,000 over 3, then 50 tenants"
timeout 60 "$bench/multi_driver" first-sync --instances 3 2000 1500 500
timeout 60 "$bench/multi_driver" capacity --instances 3 --tenants 50 --rounds 1
