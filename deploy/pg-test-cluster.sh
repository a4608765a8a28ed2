#!/usr/bin/env bash
# A throwaway PostgreSQL 15 for the tests and CI: no service set up by hand, no TCP.
#   deploy/pg-test-cluster.sh start DIR   initdb in DIR (if new), start it listening on a Unix
#                                         socket in DIR only, create the database qblink_test,
#                                         print its URI (what QBLINK_TEST_PG takes)
#   deploy/pg-test-cluster.sh stop DIR    stop it (DIR stays; rm -rf it when done)
# Runs the server as an unprivileged user: the caller, or when that is root (CI), the system
# user qblink-ci (created if missing), who gets DIR.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [[ -z "$cmd" || -z "$dir" ]]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [[ ! -x "$bin/pg_ctl" ]]; then
  echo "$0: no PostgreSQL 15 server in $bin (apt-get install postgresql-15)" >&2
  exit 1
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

as_owner=()
if [[ $(id -u) -eq 0 ]]; then
  user=qblink-ci
  if ! id "$user" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
  fi
  chown "$user" "$dir"
  # The socket directory must be reachable by the tests (root) and the server (qblink-ci).
  chmod 0755 "$dir"
  as_owner=(runuser -u "$user" --)
fi
run() { (cd "$dir" && "${as_owner[@]}" "$@"); }

case "$cmd" in
  start)
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
      run "$bin/initdb" -D "$dir/data" --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
        --username=postgres >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
      }
    fi
    # Unix socket in DIR only; small and fast (a test database: durability is not the point).
    run "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
      "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off \
       -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 \
       -c shared_buffers=64MB" >/dev/null || {
      cat "$dir/server.log" >&2
      exit 1
    }
    if ! run "$bin/psql" -h "$dir" -U postgres -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'qblink_test'" | grep -q 1; then
      run "$bin/createdb" -h "$dir" -U postgres qblink_test
    fi
    echo "postgresql://postgres@/qblink_test?host=$dir"
    ;;
  stop)
    if [[ -f "$dir/data/postmaster.pid" ]]; then
      run "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
