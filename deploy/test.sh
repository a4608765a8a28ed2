#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (packages only where missing), builds qblink with its tests
# and runs the whole suite. The program ends up at build/qblink.
#   deploy/test.sh              the normal build in build/
#   deploy/test.sh --sanitize   an ASan+UBSan build in build-asan/ (what CI also runs)
#   deploy/test.sh --tsan       a ThreadSanitizer build in build-tsan/: the server and the test
#                               programs that run threads against it (e2e, http, store)
# Every flavour starts a throwaway PostgreSQL (deploy/pg-test-cluster.sh) for the tests that run
# on both stores, unless QBLINK_TEST_PG already names one.
# Further arguments go to cmake's configure step (CI passes -DQBLINK_WERROR=ON).
set -euo pipefail
cd "$(dirname "$0")/.."

build=build
flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DQBLINK_BUILD_TESTS=ON -DQBLINK_BUILD_BENCH=ON)
targets=()
tests=()
case "${1:-}" in
  --sanitize)
    shift
    build=build-asan
    flags=(-DCMAKE_BUILD_TYPE=Debug -DQBLINK_SANITIZE=ON -DQBLINK_BUILD_TESTS=ON -DQBLINK_BUILD_BENCH=OFF)
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    ;;
  --tsan)
    shift
    build=build-tsan
    flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DQBLINK_TSAN=ON -DQBLINK_BUILD_TESTS=ON -DQBLINK_BUILD_BENCH=OFF)
    targets=(--target qblink qblink_e2e_tests qblink_http_tests qblink_store_tests)
    tests=(build-tsan/tests/qblink_e2e_tests build-tsan/tests/qblink_http_tests
           build-tsan/tests/qblink_store_tests)
    export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
    ;;
esac

deploy/setup.sh --with-tests
# A throwaway PostgreSQL 15 (Unix socket only) for the PostgreSQL store tests and the pg.* run
# of the end-to-end suite, stopped and removed at exit; unless QBLINK_TEST_PG names a server.
if [[ -z "${QBLINK_TEST_PG:-}" ]]; then
  pgdir=$(mktemp -d /tmp/qblink-pg.XXXXXX)
  trap 'deploy/pg-test-cluster.sh stop "$pgdir" || true; rm -rf "$pgdir"' EXIT
  QBLINK_TEST_PG=$(deploy/pg-test-cluster.sh start "$pgdir")
  export QBLINK_TEST_PG
fi
echo "test.sh: PostgreSQL tests on $QBLINK_TEST_PG"
reference="${QBLINK_REFERENCE_DIR:-$(pwd)/../shared/reference}"
# deploy/run.sh may have configured build/ for a quick first build (unity batches, -g1): back to
# one file per compile (clang-tidy's commands) and CMake's own -g.
cmake -S . -B "$build" -G Ninja "${flags[@]}" -DQBLINK_UNITY=OFF -UCMAKE_CXX_FLAGS_RELWITHDEBINFO \
  -DQBLINK_REFERENCE_DIR="$reference" "$@"
cmake --build "$build" -j"$(nproc)" "${targets[@]}"
if ((${#tests[@]})); then
  for t in "${tests[@]}"; do "$t" --gtest_brief=1; done
else
  ctest --test-dir "$build" --output-on-failure -j"$(nproc)" --timeout 300
fi
