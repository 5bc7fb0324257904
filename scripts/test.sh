#!/usr/bin/env bash
# `make test`: builds, starts a throw-away PostgreSQL cluster in a temporary directory, runs
# every Check suite against it and stops it. Exits non-zero if any suite fails.
# SHIFAN_SANITIZE=1 builds and runs the suites with AddressSanitizer and UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pg.sh

build=build
kind=plain
if [ "${SHIFAN_SANITIZE:-0}" = 1 ]; then
  build=build-asan
  kind=asan
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
fi
started=$SECONDS
scripts/build.sh "$kind"
echo "== build ($kind) took $((SECONDS - started)) s"

tmp=$(mktemp -d /tmp/shifan-test.XXXXXX)
chmod 755 "$tmp"
cleanup() {
  pg_cluster_stop "$tmp/faults/cluster"   # the faults suite's own cluster, if a crash left it up
  pg_cluster_stop "$tmp"
  rm -rf "$tmp"
}
trap cleanup EXIT
export PG_FSYNC=off   # scripts/pg.sh; the faults suite's own cluster inherits it
pg_cluster_start "$tmp"
pg_create_database shifan_persistence
pg_create_database shifan_http
pg_create_database shifan_race
pg_create_database shifan_workflow
pg_create_database shifan_concurrency
export SHIFAN_TEST_PERSISTENCE_URL="host=$PG_SOCKET_DIR dbname=shifan_persistence user=shifan"
export SHIFAN_TEST_RACE_URL="host=$PG_SOCKET_DIR dbname=shifan_race user=shifan"
export SHIFAN_TEST_HTTP_URL="host=$PG_SOCKET_DIR dbname=shifan_http user=shifan"
export SHIFAN_TEST_WORKFLOW_URL="host=$PG_SOCKET_DIR dbname=shifan_workflow user=shifan"
export SHIFAN_TEST_WORKFLOW_ADMIN_URL="host=$PG_SOCKET_DIR dbname=shifan_workflow user=postgres"
export SHIFAN_TEST_CONCURRENCY_URL="host=$PG_SOCKET_DIR dbname=shifan_concurrency user=shifan"
export SHIFAN_TEST_ADMIN_URL="host=$PG_SOCKET_DIR dbname=postgres user=postgres"
export SHIFAN_TEST_TMP="$tmp"
export SHIFAN_BIN="$PWD/$build/shifan"
unset SHIFAN_DATABASE_URL

failed=()
# test_faults starts and stops a cluster of its own (scripts/faultdb.sh) under $tmp/faults.
# The HTTP suite measures latencies (the health checks during a login flood among them): it
# runs last, once what scripts/make-test.sh runs in the background (the builds made ahead; the
# soak and the fuzz run) is done, with nothing else of make test beside it. Their lock,
# .build-locks/ahead.lock, is free at once when nothing runs in the background.
for suite in domain persistence workflow concurrency faults alloc http; do
  if [ "$suite" = http ]; then
    started=$SECONDS
    mkdir -p .build-locks
    if ! flock -n .build-locks/ahead.lock true; then
      echo "== waiting for what runs in the background (builds; the soak and the fuzz run)"
      flock .build-locks/ahead.lock true
    fi
    echo "== waited $((SECONDS - started)) s for what runs in the background"
  fi
  echo "== suite: $suite"
  started=$SECONDS
  if ! "$build/test_$suite"; then
    failed+=("$suite")
  fi
  echo "== suite: $suite took $((SECONDS - started)) s"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED suites: ${failed[*]}"
  exit 1
fi
echo "all suites passed"
