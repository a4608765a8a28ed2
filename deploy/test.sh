#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (packages only where missing), builds qblink with its tests
# and runs the whole suite. The program ends up at build/qblink.
#   deploy/test.sh              the normal build in build/
#   deploy/test.sh --sanitize   an ASan+UBSan build in build-asan/ (what CI also runs)
set -euo pipefail
cd "$(dirname "$0")/.."

build=build
flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DQBLINK_BUILD_TESTS=ON -DQBLINK_BUILD_BENCH=ON)
if [[ "${1:-}" == "--sanitize" ]]; then
  build=build-asan
  flags=(-DCMAKE_BUILD_TYPE=Debug -DQBLINK_SANITIZE=ON -DQBLINK_BUILD_TESTS=ON -DQBLINK_BUILD_BENCH=OFF)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi

deploy/setup.sh --with-tests
reference="${QBLINK_REFERENCE_DIR:-$(pwd)/../shared/reference}"
cmake -S . -B "$build" -G Ninja "${flags[@]}" -DQBLINK_REFERENCE_DIR="$reference"
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" --timeout 300
