#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (packages only where missing), builds build/qblink and runs
# `qblink serve` on the embedded SQLite default (./qblink.db, 127.0.0.1:8080).
# Extra arguments go to `qblink serve`, e.g. deploy/run.sh --listen 0.0.0.0:8443 --tls-cert ...
# Only the qblink target is built (no tests, no benchmarks), with precompiled headers for the
# CLI and HTTP layers; warnings never stop a user's build (cmake/Options.cmake).
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQBLINK_WERROR=OFF \
  -DQBLINK_BUILD_TESTS=OFF -DQBLINK_BUILD_BENCH=OFF
cmake --build build -j"$(nproc)" --target qblink
exec build/qblink serve "$@"
