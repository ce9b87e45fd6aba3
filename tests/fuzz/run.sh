#!/usr/bin/env bash
# Runs every libFuzzer harness of a FG_FUZZ build for a fixed time.
#
#   tests/fuzz/run.sh BUILD_DIR SECONDS_EACH [CORPUS_DIR]
#
# Seeds come from fixtures/ (tests/fuzz/seeds.py). Without CORPUS_DIR the
# corpus is a fresh temporary copy (the short run in ./dev.sh test); with
# it, the corpus grows there across runs (./dev.sh fuzz). A finding (crash,
# leak, sanitizer report, timeout) is saved in BUILD_DIR/fuzz-artifacts/
# and makes the script exit 1. Prints one line per harness: executions and
# result, and a total.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$1"
secs="$2"
corpus="${3:-}"
tmp=""
if [ -z "$corpus" ]; then
  tmp="$(mktemp -d /tmp/fg-fuzz-corpus-XXXXXX)"
  corpus="$tmp"
fi
trap '[ -n "$tmp" ] && rm -rf "$tmp"' EXIT
seeds="$(mktemp -d /tmp/fg-fuzz-seeds-XXXXXX)"
python3 "$here/tests/fuzz/seeds.py" "$here/fixtures" "$seeds"
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"
total=0
failed=0
for h in fuzz_yaml fuzz_shell fuzz_pyfile fuzz_config fuzz_pipeline; do
  mkdir -p "$corpus/$h"
  log="$build/$h.log"
  set +e
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$build/tests/fuzz/$h" -max_total_time="$secs" -timeout=20 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$h-" "$corpus/$h" "$seeds/$h" \
    >"$log" 2>&1
  rc=$?
  set -e
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  runs="${runs:-0}"
  total=$((total + runs))
  if [ "$rc" -eq 0 ]; then
    echo "fuzz: $h: $runs executions in ${secs}s, no finding"
  else
    failed=$((failed + 1))
    echo "fuzz: $h: FINDING after $runs executions (exit $rc); log: $log"
    grep -E "^==[0-9]+==ERROR|^SUMMARY|runtime error|Test unit written" "$log" | head -5 || true
  fi
done
rm -rf "$seeds"
echo "fuzz: $total executions, $failed harness(es) with findings"
echo "fuzz: $((5 - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
