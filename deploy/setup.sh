#!/usr/bin/env bash
# Installs exactly the Debian 12 packages qblink needs that are missing. Idempotent; run as root
# (or with sudo available). Usage: deploy/setup.sh [--with-tests]
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache openssl ca-certificates
  gsoap libgsoap-dev          # WSDL -> C++ types and serializers, and the runtime
  libboost-dev                # Asio and Beast (header-only; never libboost-all-dev)
  libssl-dev libpugixml-dev libsqlite3-dev libpq-dev libsodium-dev libxml2-dev
  libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
  help2man                    # man pages from --help at build time (optional)
)
if [[ "${1:-}" == "--with-tests" ]]; then
  packages+=(libgtest-dev libgmock-dev libbenchmark-dev libxml2-utils wrk
    clang-format clang clang-tidy   # CI's format check, libFuzzer targets (fuzz/), clang-tidy
    debootstrap curl                # deploy/package-test.sh: a clean Debian root, health probe
    chromium chromium-driver python3-selenium   # tests/console: the browser console in headless chromium
    postgresql-15               # deploy/pg-test-cluster.sh: a throwaway PostgreSQL for the PG store tests
  )
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
echo "setup: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
