#!/usr/bin/env bash
# Requests per second of a small QBWC call (serverVersion) against a local `qblink serve`,
# plain HTTP and HTTPS, measured with wrk on loopback. Usage: bench/load/run.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${1:-build}/qblink"
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1
"$bin" --db "$dir/q.db" serve --listen 127.0.0.1:18080 2>/dev/null &
"$bin" --db "$dir/q2.db" serve --listen 127.0.0.1:18443 --tls-cert "$dir/cert.pem" --tls-key "$dir/key.pem" 2>/dev/null &
sleep 1
for url in http://127.0.0.1:18080/qbwc https://127.0.0.1:18443/qbwc; do
  echo "== $url"
  wrk -t2 -c16 -d10s -s bench/load/server_version.lua "$url"
done
