#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (packages only where missing), builds build/qblink and runs
# `qblink serve` on the embedded SQLite default (./qblink.db, 127.0.0.1:8080).
# Extra arguments go to `qblink serve`, e.g. deploy/run.sh --listen 0.0.0.0:8443 --tls-cert ...
# Only the qblink target is built (no tests, no benchmarks), as unity batches (QBLINK_UNITY) and
# with line tables only (-g1: backtraces keep function names and lines, the build loses a third
# of its compile time); warnings never stop a user's build (cmake/Options.cmake). deploy/test.sh
# turns both back to the development build's settings in the same build/ folder.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQBLINK_WERROR=OFF \
  -DQBLINK_BUILD_TESTS=OFF -DQBLINK_BUILD_BENCH=OFF -DQBLINK_UNITY=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"
cmake --build build -j"$(nproc)" --target qblink
exec build/qblink serve "$@"
