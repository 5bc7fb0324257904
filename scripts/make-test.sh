#!/usr/bin/env bash
# `make test` after its packages are installed: the contract's lint, the TypeScript check, every
# suite plain and under ASan/UBSan (scripts/test.sh), the short soak (bench/soak) and the short
# fuzz run (scripts/fuzz.sh).
#
# What waits more than it computes runs beside something else, on the two cores:
#  - the plain and the sanitizers' builds are made ahead, in the background, while the lint,
#    the check and the plain pass run (scripts/build.sh --ahead);
#  - the soak (a steady 100 requests/s), the fuzzers' build and the fuzz run (one core) run in
#    the background beside the sanitizers' first suites.
# Both hold .build-locks/ahead.lock while they run; each pass's HTTP suite, which measures
# latencies, waits for it (scripts/test.sh), and the sanitizers' pass waits for the builds.
# Whatever runs in the background is stopped, with everything it started, if this script ends
# first.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .build-locks

# a process group of its own (setsid), so that every compiler it started goes with it
setsid scripts/build.sh --ahead plain asan </dev/null >/dev/null 2>&1 &
background=$!
out=$(mktemp /tmp/shifan-background.XXXXXX)
# On the way out, a background job still running is stopped, and waited for (the soak stops its
# cluster: up to a minute, then it is killed); what it printed so far is shown, not lost.
finish() {
  if kill -0 -- -"$background" 2>/dev/null; then
    kill -- -"$background" 2>/dev/null || true
    for _ in $(seq 300); do kill -0 -- -"$background" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- -"$background" 2>/dev/null || true
    if [ -s "$out" ]; then
      echo "== what the background job (soak, fuzz) printed before it was stopped:"
      cat "$out"
    fi
  fi
  rm -f "$out"
}
trap finish EXIT

scripts/lint-openapi.sh
scripts/ts-check.sh
scripts/test.sh
wait "$background" || true

# The short soak: 20 s of the mixed load on the plain build's binary (the sanitizers' slowness
# would be measured, not shifan; its memory check needs a run past warm-up and is not made in
# 20 s; `make soak` runs the full ten minutes), then the short fuzz run, which builds the
# fuzzers first (scripts/fuzz.sh). The lock is taken here, before the sanitizers' pass starts,
# and kept by the background job alone.
exec 8>.build-locks/ahead.lock
flock 8
setsid bash -c '
  failed=0
  echo "== soak (short)"
  started=$SECONDS
  BENCH_BIN="$PWD/build/shifan" SOAK_SECONDS=20 SOAK_RATE=100 SOAK_PLATFORMS=500 SOAK_AUDIT_EVENTS=2000 \
    bench/soak 8>&- || failed=1
  echo "== soak took $((SECONDS - started)) s"
  FUZZ_SECONDS="${FUZZ_SECONDS:-3}" scripts/fuzz.sh 8>&- || failed=1
  exit $failed' </dev/null >"$out" 2>&1 &
background=$!
exec 8>&-

sanitizers=0
SHIFAN_SANITIZE=1 scripts/test.sh || sanitizers=1
rest=0
wait "$background" || rest=1
cat "$out"
if [ "$sanitizers" != 0 ] || [ "$rest" != 0 ]; then
  [ "$rest" = 0 ] || echo "FAILED: the soak or the fuzz run (above)"
  exit 1
fi
echo "make test: everything passed"
