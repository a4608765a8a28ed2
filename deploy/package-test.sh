#!/usr/bin/env bash
# Builds the Debian package and proves it on a clean Debian 12 root:
#   1. a Release build of qblink only (build-release/, unity batches as deploy/run.sh builds:
#      CI's only unity build, so a name clash between two files of a layer fails here), then
#      `cpack -G DEB`;
#   2. a minimal bookworm root (debootstrap --variant=minbase, cached as a tarball in
#      /var/cache/qblink-ci, unpacked fresh each run), `apt-get install ./qblink_*.deb` in it
#      (so dpkg-shlibdeps' dependencies must resolve from the archive, and postinst must create
#      the qblink user, /var/lib/qblink and the conffile);
#   3. qblink serve started in the root as the qblink user on a loopback port, a tenant added
#      with the packaged CLI, and `qblink simulate` (two runs) against it. No command names the
#      database: serve and the CLI both read the packaged /etc/qblink/qblink.conf (the fallback
#      names that file with --config and moves the database with QBLINK_DB).
# If debootstrap cannot run here (no root, no mirror), it falls back to `dpkg-deb -x` and a
# host qblink user, and says so. Run as root. Usage: deploy/package-test.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
build="${1:-build-release}"
shift || true

if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DQBLINK_BUILD_TESTS=OFF \
    -DQBLINK_BUILD_BENCH=OFF -DQBLINK_UNITY=ON "$@"
fi
cmake --build "$build" -j"$(nproc)" --target qblink
(cd "$build" && rm -f qblink_*.deb && cpack -G DEB >cpack.log 2>&1) ||
  { cat "$build/cpack.log"; exit 1; }
deb=$(ls "$build"/qblink_*_amd64.deb)
echo "package-test: built $(basename "$deb")"
dpkg-deb --field "$deb" Package Version Architecture Depends
dpkg-deb --contents "$deb" | awk '{print "  " $6}'
# Captured first: `grep -q` stops reading at the first match, and under pipefail the writer's
# SIGPIPE would fail the check.
info=$(dpkg-deb --info "$deb")
grep -q 'Depends:.*libsqlite3' <<<"$info" ||
  { echo "package-test: Depends lacks the shared libraries (shlibdeps)"; exit 1; }

work=$(mktemp -d /tmp/qblink-pkg.XXXXXX)
root="$work/root"
pid=""
mounted=()
cleanup() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

cache=/var/cache/qblink-ci/bookworm-minbase.tar
mode=chroot
if [[ ! -f "$cache" ]]; then
  mkdir -p "$(dirname "$cache")"
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null || true
  mirror=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null |
    grep -v security | head -1 | awk '{print $2}')
  mirror="${mirror:-http://deb.debian.org/debian}"
  echo "package-test: debootstrap --variant=minbase bookworm from $mirror (cached afterwards)"
  if debootstrap --variant=minbase bookworm "$work/boot" "$mirror" >"$work/debootstrap.log" 2>&1; then
    tar -C "$work/boot" -cf "$cache.tmp" . && mv "$cache.tmp" "$cache"
    rm -rf "$work/boot"
  else
    tail -5 "$work/debootstrap.log"
    mode=extract
  fi
fi

port=$((20000 + RANDOM % 20000))
company="$work/company.json"
printf '%s\n' '{"customers": [{"name": "Acme Plumbing Ltd"}, {"name": "Greenway Pest Control"}],' \
  ' "vendors": [{"name": "Bolt Co"}]}' >"$company"
accounts="$work/customers.csv"
printf '%s\n' 'account_id,name,accounting_name' 'C1,Acme Plumbing Ltd,' 'C2,Brand New Ltd,' >"$accounts"

if [[ "$mode" == chroot ]]; then
  echo "package-test: clean bookworm root in $root; apt-get install ./$(basename "$deb")"
  mkdir -p "$root"
  tar -C "$root" -xf "$cache"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  for m in proc dev; do mount --bind "/$m" "$root/$m" && mounted+=("$root/$m"); done
  cp "$deb" "$root/tmp/"
  cp "$accounts" "$root/tmp/customers.csv"
  chroot "$root" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y -qq --no-install-recommends \
    "/tmp/$(basename "$deb")" >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; exit 1; }
  chroot "$root" getent passwd qblink >/dev/null || { echo "package-test: no qblink user"; exit 1; }
  state=$(chroot "$root" stat -c '%a %U' /var/lib/qblink)
  [[ "$state" == "750 qblink" ]] || { echo "package-test: /var/lib/qblink is $state"; exit 1; }
  grep -qx /etc/qblink/qblink.conf "$root/var/lib/dpkg/info/qblink.conffiles" ||
    { echo "package-test: qblink.conf is not a conffile"; exit 1; }
  conf=$(chroot "$root" stat -c '%a %U:%G' /etc/qblink/qblink.conf)
  [[ "$conf" == "640 root:qblink" ]] || { echo "package-test: qblink.conf is $conf"; exit 1; }
  as_qblink=(chroot --userspec=qblink:qblink "$root" env HOME=/var/lib/qblink)
  qblink_bin=/usr/bin/qblink
  settings=()  # the packaged /etc/qblink/qblink.conf, read by default
  csv=/tmp/customers.csv
else
  echo "package-test: debootstrap could not run here: FALLBACK to dpkg-deb -x and a host qblink user"
  dpkg-deb -x "$deb" "$root"
  getent passwd qblink >/dev/null || useradd --system --home-dir /var/lib/qblink --shell /usr/sbin/nologin qblink
  install -d -o qblink -g qblink -m 0750 "$work/state"
  chmod 0755 "$work"
  cp "$accounts" "$work/state/customers.csv" && chown qblink "$work/state/customers.csv"
  # The packaged settings file, its database moved by the environment (which wins over the file).
  as_qblink=(setpriv --reuid=qblink --regid=qblink --init-groups env HOME="$work/state"
    QBLINK_DB="$work/state/qblink.db")
  qblink_bin="$root/usr/bin/qblink"
  settings=(--config "$root/etc/qblink/qblink.conf")
  csv="$work/state/customers.csv"
fi
grep -qx 'db = /var/lib/qblink/qblink.db' "$root/etc/qblink/qblink.conf" ||
  { echo "package-test: qblink.conf does not name the service's database"; exit 1; }
db="$root/var/lib/qblink/qblink.db"
[[ "$mode" == chroot ]] || db="$work/state/qblink.db"

qblink=("${as_qblink[@]}" "$qblink_bin" "${settings[@]}")
# A command that only reads creates no database, and says which one it looked for.
if out=$("${qblink[@]}" user list 2>&1); then
  echo "package-test: user list succeeded without a database: $out"; exit 1
fi
grep -q "no database at" <<<"$out" || { echo "package-test: $out"; exit 1; }
[[ ! -e "$db" ]] || { echo "package-test: user list created $db"; exit 1; }
printf '%s\n' 'a-long-password' | "${qblink[@]}" user add acme --password-stdin
[[ -f "$db" ]] || { echo "package-test: user add did not use the configured database $db"; exit 1; }
"${qblink[@]}" customers import acme "$csv"
"${qblink[@]}" serve --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/health/live" >/dev/null 2>&1 && break
  sleep 0.1
done
kill -0 "$pid" || { cat "$work/serve.log"; exit 1; }
uid=$(ps -o uid= -p "$pid" | tr -d ' ')
want=$("${as_qblink[@]}" id -u)
[[ "$uid" == "$want" ]] || { echo "package-test: serve runs as uid $uid, not qblink ($want)"; exit 1; }
echo "package-test: qblink serve runs as the qblink user (uid $uid) on 127.0.0.1:$port"

sim="$src/$build/qblink"
out=$(printf '%s\n' 'a-long-password' | "$sim" simulate --url "http://127.0.0.1:$port/qbwc" \
  --user acme --password-stdin --company "$company" --runs 2)
echo "$out"
grep -q 'Linked' <<<"$out" || { echo "package-test: the simulated sync did not report"; cat "$work/serve.log"; exit 1; }
"${qblink[@]}" log acme | head -5
"${qblink[@]}" user list
echo "package-test: OK ($mode: installed, served as qblink, simulated sync done)"
