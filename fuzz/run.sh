#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, build-fuzz/) and runs each for FUZZ_SECONDS (default 20)
# on a corpus seeded from the reference captures. A crash fails the run and leaves its input in
# build-fuzz/crashes/ (make it a regression test). Usage: fuzz/run.sh [REFERENCE_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
reference="${1:-${QBLINK_REFERENCE_DIR:-$(pwd)/../shared/reference}}"
seconds="${FUZZ_SECONDS:-20}"
build=build-fuzz
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DQBLINK_FUZZ=ON -DQBLINK_WERROR=OFF -DQBLINK_BUILD_TESTS=OFF -DQBLINK_BUILD_BENCH=OFF >/dev/null
targets=(fuzz_qbxml_response fuzz_soap_handle fuzz_csv fuzz_json_body)
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"

corpus="$build/corpus"
rm -rf "$corpus"
mkdir -p "$corpus"/{fuzz_qbxml_response,fuzz_soap_handle,fuzz_csv,fuzz_json_body} "$build/crashes"
captures="$reference/captures"
# SOAP: every captured request envelope. qbXML: the captured responses, and the qbXML carried
# (escaped) in receiveResponseXML requests, unescaped.
find "$captures" -name '*.request*.xml' -exec cp -t "$corpus/fuzz_soap_handle" {} +
find "$captures" -path '*qbxml-responses*' -name '*.xml' -exec cp -t "$corpus/fuzz_qbxml_response" {} +
for f in "$captures"/receiveResponseXML/*.xml; do
  [[ -f "$f" ]] || continue
  sed -n 's/.*<response>\(.*\)<\/response>.*/\1/p' "$f" |
    sed 's/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&amp;/\&/g' >"$corpus/fuzz_qbxml_response/$(basename "$f")"
done
find "$reference" -name '*.csv' -size -64k -exec cp -t "$corpus/fuzz_csv" {} + 2>/dev/null || true
printf ',account_id,name,accounting_name\nC1,"Acme, Ltd",Acme Ltd\n' >"$corpus/fuzz_csv/seed.csv"
printf '{"accounts":[{"account_id":"C1","name":"Acme","accounting_name":""}]}' >"$corpus/fuzz_json_body/seed.json"
find "$reference" -name '*.json' -size -64k -exec cp -t "$corpus/fuzz_json_body" {} + 2>/dev/null || true

status=0
for t in "${targets[@]}"; do
  log="$build/$t.log"
  if "$build/fuzz/$t" "$corpus/$t" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/crashes/$t-" >"$log" 2>&1; then
    result=ok
  else
    result=CRASH
    status=1
  fi
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
  echo "fuzz: $t: $result, $runs executions in ${seconds}s, corpus $(ls "$corpus/$t" | wc -l) inputs"
  [[ "$result" == ok ]] || tail -40 "$log"
done
exit "$status"
