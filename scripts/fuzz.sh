#!/usr/bin/env bash
# `make fuzz` and the short fuzz run of `make test`: builds the libFuzzer harnesses of fuzz/
# with clang in build-fuzz/ (ASan, UBSan, libFuzzer) and runs each one for FUZZ_SECONDS
# (default 60) from its checked-in corpus fuzz/corpus/<harness>/, which is replayed first.
# An input that crashes, leaks, trips UBSan, takes over 1 s or needs over 2 GiB fails the
# run; the input is left in build-fuzz/artifacts/. New corpus entries go to a scratch
# directory, not into the checked-in corpus. Exits non-zero if any harness failed.
#   FUZZ_SECONDS=3 scripts/fuzz.sh            # the short run of `make test`
#   scripts/fuzz.sh token csv_import          # only these harnesses
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-60}"
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(json_body token csv_import sniff page_token credit_code multipart)

scripts/build.sh fuzz >/dev/null

mkdir -p build-fuzz/artifacts
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
work=$(mktemp -d /tmp/shifan-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT

failed=()
for h in "${harnesses[@]}"; do
  mkdir -p "$work/$h"
  log="build-fuzz/fuzz-$h.log"
  echo "== fuzz: $h (${seconds}s)"
  if build-fuzz/fuzz/fuzz_"$h" -max_total_time="$seconds" -timeout=1 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
       -detect_leaks=1 -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/$h-" \
       "$work/$h" "fuzz/corpus/$h" >"$log" 2>&1; then
    # the closing figures: executions, speed, corpus and coverage
    grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" | tr '\n' ' '
    echo
  else
    failed+=("$h")
    grep -E 'ERROR|SUMMARY|runtime error|fuzz:|Test unit written' "$log" | head -20
    echo "   (full log: $log)"
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED fuzz harnesses: ${failed[*]}"
  exit 1
fi
echo "all fuzz harnesses passed"
