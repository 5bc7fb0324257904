#!/usr/bin/env bash
# The records benchmark (issue 15): times a 10,000-title import of the past
# (POST /v1/imports/records?kind=titles, CSV) into a fresh cluster, after its five rounds.
# Measures and prints; asserts nothing (the issue's target: under 3 s). Not a test.
#   bench/records_titles.sh            (BENCH_TITLES=10000, BENCH_BIN, BENCH_BUILD_DIR as bench/run)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pg.sh
log_prefix=records
. bench/lib.sh

titles="${BENCH_TITLES:-10000}"
bench_build "${BENCH_BUILD_DIR:-build-bench}"
bench_tmp
pg_cluster_start "$tmp"
start_server
base="http://127.0.0.1:${ports[0]}"
token=$(login admin "$admin_password")
[ -n "$token" ] || { log "login failed"; exit 1; }
python3 bench/records_titles.py rounds >"$tmp/rounds.csv"
python3 bench/records_titles.py titles "$titles" >"$tmp/titles.csv"
curl -fsS -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: text/csv' \
  --data-binary @"$tmp/rounds.csv" "$base/v1/imports/records?kind=rounds"
read -r code seconds < <(curl -sS -o "$tmp/titles.json" -w '%{http_code} %{time_total}\n' \
  -H "Authorization: Bearer $token" -H 'Content-Type: text/csv' --data-binary @"$tmp/titles.csv" \
  "$base/v1/imports/records?kind=titles")
echo "import of $titles recorded titles (CSV, platforms created): HTTP $code in $seconds s"
echo "registry rows: $(sql -c 'SELECT count(*) FROM registry')  audit events: $(sql -c 'SELECT count(*) FROM audit_events')"
