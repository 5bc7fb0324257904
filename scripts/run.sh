#!/usr/bin/env bash
# `make run`: serves shifan on SHIFAN_PORT (default 8080). Without SHIFAN_DATABASE_URL it
# starts a private PostgreSQL cluster under SHIFAN_DATA_DIR (default ./.shifan) and stops it
# when shifan exits. Ctrl-C or SIGTERM stops shifan gracefully.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pg.sh

export SHIFAN_DATA_DIR="${SHIFAN_DATA_DIR:-./.shifan}"
started_cluster=""
if [ -z "${SHIFAN_DATABASE_URL:-}" ]; then
  pg_cluster_start "$SHIFAN_DATA_DIR"
  started_cluster=1
fi

shifan_pid=""
stop() {
  if [ -n "$shifan_pid" ]; then
    kill -TERM "$shifan_pid" 2>/dev/null || true
    wait "$shifan_pid" 2>/dev/null || true
  fi
}
trap stop INT TERM
build/shifan &
shifan_pid=$!
status=0
wait "$shifan_pid" || status=$?
# a trapped signal interrupts the first wait; wait again for shifan to finish draining
wait "$shifan_pid" 2>/dev/null || true
if [ -n "$started_cluster" ]; then
  pg_cluster_stop "$SHIFAN_DATA_DIR"
fi
exit "$status"
